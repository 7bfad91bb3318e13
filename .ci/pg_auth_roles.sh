#!/usr/bin/env bash
# Idempotently creates the roles the proxy's authentication tests log in as:
# sqlsift_md5 (md5 password) and sqlsift_scram (SCRAM-SHA-256 password), and
# pg_hba.conf lines that require those methods for them on 127.0.0.1, above
# the trust lines. Needs to run as root (or the postgres user) on the server host.
set -euo pipefail
PSQL=(psql -h 127.0.0.1 -U postgres -d postgres -v ON_ERROR_STOP=1 -q)
"${PSQL[@]}" <<'SQL'
SET password_encryption = 'md5';
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sqlsift_md5') THEN CREATE ROLE sqlsift_md5 LOGIN; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sqlsift_scram') THEN CREATE ROLE sqlsift_scram LOGIN; END IF;
END $$;
ALTER ROLE sqlsift_md5 PASSWORD 'sqlsift_md5_pw';
SET password_encryption = 'scram-sha-256';
ALTER ROLE sqlsift_scram PASSWORD 'sqlsift_scram_pw';
SQL
HBA=$("${PSQL[@]}" -Atc 'SHOW hba_file')
changed=0
for line in "host all sqlsift_scram 127.0.0.1/32 scram-sha-256" "host all sqlsift_md5 127.0.0.1/32 md5"; do
  if ! grep -qxF "$line" "$HBA"; then
    sed -i "1i $line" "$HBA"
    changed=1
  fi
done
if [ "$changed" = 1 ]; then
  "${PSQL[@]}" -c 'SELECT pg_reload_conf()' >/dev/null
fi
