#!/usr/bin/env python3
"""Regenerate ground_truth.json from the two captures.

Takes the exact statement texts, execution counts and distinct parameter lists
from sqlite.jsonl and postgresql.log (through check.py's readers), classifies
each statement shape (role_of) and adds the hand-written verdicts and notes
(INFO/EXTRA) that were written after reading the captured SQL. Re-run it only
after re-capturing, then run check.py. If the ORM emits something different
(another SQLAlchemy/psycopg version), the sanity asserts below or check.py
will say so; re-read the captures and update INFO before trusting the output.

Usage: python3 samples/orm/make_ground_truth.py   (standard library only)
"""
import collections
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import check  # noqa: E402
ROUTE = check.ROUTE
def strip(sql): return ROUTE.sub('', sql).rstrip()

caps = {}
for name, ex in (("sqlite.jsonl", check.sqlite_execs()), ("postgresql.log", check.pg_execs())):
    per = collections.OrderedDict()
    for route, sql, params, ts in ex:
        if route is None: continue
        d = per.setdefault(route, collections.OrderedDict())
        d.setdefault(strip(sql), []).append(params)
    caps[name] = per

def role_of(req, sql, cap):
    s = sql
    if s.startswith('BEGIN'): return 'begin'
    if req == 'duplicate_read': return 'duplicate'
    if req == 'small_loop':
        return 'parent' if 'FROM books' in s else 'sub_threshold_loop'
    if req.startswith('bulk'):
        if 'SELECT p0' in s: return 'multi_row_insert'
        if req == 'bulk_insert_fixed': return 'executemany_row'
        return 'insert_row'
    if ' IN (' in s: return 'prefetch'
    if 'JOIN authors' in s: return 'joined_load'
    if 'ORDER BY' in s: return 'parent'
    return 'loop'

LOOPS = {  # shape key -> table, column
  'WHERE authors.id =': ('authors', 'id'),
  '= book_tags.book_id AND': ('book_tags', 'book_id'),
  '= books.author_id': ('books', 'author_id'),
}
INFO = {
 'n1_fk': ('n_plus_one', "List 40 books, then book.author per book. The many-to-one lazy loader first looks in the session's identity map, so only the first access per author goes to the database: 20 lookups (books 1..20 have 20 distinct authors; books 21..40 reuse them), not 40. Loop statement: SELECT authors.* FROM authors WHERE authors.id = ? (one key per execution, parent = the books list)."),
 'fixed_fk_joined': ('none', "joinedload(Book.author): one SELECT books LEFT OUTER JOIN authors. No loop."),
 'fixed_fk_selectin': ('none', "selectinload(Book.author): the books list plus one SELECT authors WHERE authors.id IN (20 placeholders). An IN-list prefetch, not a loop."),
 'n1_m2m': ('n_plus_one', "List 40 books, then book.tags per book: one lazy many-to-many load per book (collections do not consult the identity map), 40 lookups, also for the 10 books with no tags. Loop statement: SELECT tags.id, tags.name FROM tags, book_tags WHERE ? = book_tags.book_id AND tags.id = book_tags.tag_id — SQLAlchemy puts the bound parameter on the LEFT of '=' and uses an implicit (comma) join; the varying column is book_tags.book_id."),
 'fixed_m2m': ('none', "selectinload(Book.tags): the books list plus one SELECT book_tags JOIN tags WHERE book_tags.book_id IN (40 placeholders)."),
 'n1_reverse_fk': ('n_plus_one', "List 20 authors, then author.books per author: 20 lazy one-to-many loads. Loop statement: SELECT books.* FROM books WHERE ? = books.author_id (parameter on the left); the varying column is books.author_id."),
 'fixed_reverse_fk': ('none', "selectinload(Author.books): the authors list plus one SELECT books WHERE books.author_id IN (20 placeholders)."),
 'n1_interleaved': ('n_plus_one', "Per book: book.author then book.tags. Two loops interleaved in one unit: for books 1..20 the statements alternate author-lookup / tags-lookup (A T A T ...), for books 21..40 only the tags lookup runs (authors already in the identity map). Both loops must be reported separately: authors.id (20) and book_tags.book_id (40)."),
 'duplicate_read': ('duplicate', "select(Author).where(Author.id == 3) executed 5 times (with expire_all() in between; select() always hits the database). Same statement, same parameter ('3') 5 times: a duplicate read, NOT an N+1 (nothing varies), even though it reaches the N+1 run length of 5."),
 'small_loop': ('none', "Books 1..3 (LIMIT 3), then book.author for each: 3 lazy loads with 3 distinct authors (8, 15, 2) — the N+1 shape, but below the loop threshold of 5, so it must not be flagged."),
 'bulk_insert': ('batchable_insert', "50 reviews, session.add() + flush() per row: 50 single-row INSERTs of one shape with differing values — rows of a bulk load, to be reported as a batchable insert (multi-row VALUES / executemany / COPY), not as an N+1. SQLite gets the new id from cursor.lastrowid (no RETURNING); PostgreSQL gets INSERT ... RETURNING reviews.id."),
 'bulk_insert_fixed': ('none', "session.execute(insert(Review), [50 dicts]): the ORM bulk INSERT without RETURNING. SQLAlchemy does NOT rewrite this into a multi-row INSERT on either backend (insertmanyvalues is only used when RETURNING is needed, except for a few drivers such as psycopg2): it is one DB-API executemany(). On the wire that is still 50 single-row INSERT executions — SQLite: one executemany call, recorded as 50 events that share one ts (duration split evenly); PostgreSQL: psycopg 3 runs executemany in pipeline mode, prepares the statement at once (parse _pg3_N, no <unnamed> phase) and sends all 50 bind/execute in one round trip (the BEGIN of this request is sent through the extended protocol too). Intended verdict 'none'; a detector that only sees statements cannot tell it from bulk_insert except by the missing RETURNING and the timing, so 'batchable_insert' is acceptable; 'n_plus_one' is not."),
 'bulk_insert_addall': ('none', "Extra path (not in the original brief): the 50 rows as ORM objects, add_all() + ONE flush(). PostgreSQL: SQLAlchemy's insertmanyvalues sends ONE multi-row statement, INSERT INTO reviews (...) SELECT p0::INTEGER, ... FROM (VALUES ($1..$3, 0), ..., ($148..$150, 49)) AS imp_sen(p0, p1, p2, sen_counter) ORDER BY sen_counter RETURNING reviews.id, reviews.id AS id__1 — verdict 'none'. SQLite: insertmanyvalues is downgraded to one INSERT ... RETURNING id per row (SQLAlchemy cannot guarantee RETURNING order for a multi-row SQLite INSERT without a sentinel column), i.e. 50 separate single-row executions — on that capture the verdict is 'batchable_insert'."),
}
EXTRA = {
 'bulk_insert_fixed': {'also_acceptable': ['batchable_insert'], 'must_not': ['n_plus_one']},
 'bulk_insert_addall': {'must_not': ['n_plus_one']},
 'duplicate_read': {'must_not': ['n_plus_one']},
 'small_loop': {'must_not': ['n_plus_one']},
 'bulk_insert': {'must_not': ['n_plus_one']},
}
for r in ('fixed_fk_joined','fixed_fk_selectin','fixed_m2m','fixed_reverse_fk'):
    EXTRA[r] = {'must_not': ['n_plus_one']}

paths = []
for req, (expect, notes) in INFO.items():
    entry = {'request': req, 'expect': expect, 'loops': []}
    bycap = {}
    for cap, per in caps.items():
        shapes = []
        cap_loops = []
        for sql, plist in per[req].items():
            role = role_of(req, sql, cap)
            distinct = len(set(plist))
            sh = {'role': role, 'executions': len(plist), 'distinct_params': distinct, 'sql': sql}
            shapes.append(sh)
            if role == 'loop':
                t, c = next(v for k, v in LOOPS.items() if k in sql)
                cap_loops.append({'table': t, 'column': c, 'min_size': distinct, 'executions': len(plist), 'sql': sql})
            if role == 'insert_row':
                cap_loops.append({'table': 'reviews', 'column': None, 'columns': ['book_id', 'rating', 'body'], 'min_size': distinct, 'executions': len(plist), 'sql': sql})
        bc = {'statements': sum(s['executions'] for s in shapes)}
        if cap == 'postgresql.log':
            bc['untagged'] = 'plus an untagged BEGIN before and COMMIT after (sqlcommenter only sees statements SQLAlchemy sends through a cursor)'
        else:
            bc['untagged'] = 'none; the BEGIN is tagged and counted, COMMIT is connection.commit() and not recorded'
        if req == 'bulk_insert_addall' and cap == 'sqlite.jsonl':
            bc['expect'] = 'batchable_insert'
            bc['loops'] = cap_loops
        bc['shapes'] = shapes
        bycap[cap] = (bc, cap_loops)
    # top-level loops: backend-neutral (table/column/min_size), from postgresql (same as sqlite)
    ref = bycap['postgresql.log'][1]
    entry['loops'] = [{k: v for k, v in l.items() if k not in ('sql',)} for l in ref]
    entry.update(EXTRA.get(req, {}))
    entry['notes'] = notes
    entry['by_capture'] = {cap: bc for cap, (bc, _) in bycap.items()}
    # sanity: sqlite and pg loops agree except addall
    sl = [(l['table'], l['column'], l['min_size']) for l in bycap['sqlite.jsonl'][1]]
    pl = [(l['table'], l['column'], l['min_size']) for l in ref]
    if req != 'bulk_insert_addall': assert sl == pl, (req, sl, pl)
    if req == 'small_loop':
        entry['below_threshold'] = [{'table': 'authors', 'column': 'id', 'size': 3}]
    if req == 'duplicate_read':
        entry['repeats'] = [{'table': 'authors', 'column': 'id', 'value': '3', 'count': 5}]
    paths.append(entry)

gt = {
 'description': "Ground truth for samples/orm/sqlite.jsonl and samples/orm/postgresql.log: one entry per request (sqlcommenter route). 'expect' is the verdict an N+1 detector should give the unit: n_plus_one | none | duplicate | batchable_insert. 'loops' lists the loops that must be reported (table, varying column, min_size = number of distinct keys). 'by_capture' accounts for every tagged statement in each capture: its exact text (sqlcommenter comment removed), executions, distinct parameter lists and role (begin, parent = the query the loop iterates over, loop, prefetch, joined_load, duplicate, sub_threshold_loop, insert_row, executemany_row, multi_row_insert); where a capture's verdict differs from the top-level one it has its own 'expect'/'loops'. Derived from the captured SQL; check.py verifies it against both files.",
 'loop_threshold': 5,
 'captures': {
   'sqlite.jsonl': 'SQLAlchemy 2.1.9 + sqlite3 (SQLite 3.40.1), recorded with before/after_cursor_execute; placeholders ?',
   'postgresql.log': 'SQLAlchemy 2.1.9 + psycopg 3.3.9 on PostgreSQL 15, server stderr log, log_min_duration_statement=0; placeholders $n::TYPE; parse/bind/execute entries per extended-protocol execution (statements count executions: execute + statement entries)',
 },
 'paths': paths,
}
json.dump(gt, open(os.path.join(HERE, 'ground_truth.json'), 'w', encoding='utf-8'), indent=1, ensure_ascii=False)
open(os.path.join(HERE, 'ground_truth.json'), 'a', encoding='utf-8').write('\n')
