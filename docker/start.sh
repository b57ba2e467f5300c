#!/bin/bash
# First start: create the database with the addons and their demo data; then serve.
set -euo pipefail
DB=${EINVOICE_DB:-einvoice}
ARGS=(--db_host="${HOST:-db}" --db_user="${USER:-odoo}" --db_password="${PASSWORD:-odoo}"
      --addons-path=/mnt/extra-addons,/usr/lib/python3/dist-packages/odoo/addons)

# wait for PostgreSQL
for _ in $(seq 1 60); do
  python3 -c "import psycopg2,sys; psycopg2.connect(host='${HOST:-db}', user='${USER:-odoo}', password='${PASSWORD:-odoo}', dbname='postgres')" 2>/dev/null && break
  sleep 1
done

modules=$(find /mnt/extra-addons -mindepth 2 -maxdepth 2 -name __manifest__.py -printf '%h\n' | xargs -r -n1 basename | sort | paste -sd, -)
if ! python3 -c "import psycopg2; psycopg2.connect(host='${HOST:-db}', user='${USER:-odoo}', password='${PASSWORD:-odoo}', dbname='${DB}').cursor().execute('SELECT 1 FROM ir_module_module LIMIT 1')" 2>/dev/null; then
  echo "Creating database ${DB} with ${modules:-account} and demo data"
  # French loaded as the addons install, so French users see French from the first login.
  odoo "${ARGS[@]}" -d "$DB" -i "${modules:-account}" --load-language=en_US,fr_FR --stop-after-init
fi
exec odoo "${ARGS[@]}" -d "$DB" --db-filter="^${DB}\$"
