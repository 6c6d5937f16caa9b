#!/usr/bin/env bash
# Starts Virtuoso Open-Source (Debian's virtuoso-opensource, `virtuoso-t`) for the tests: a fresh
# database in DIR (default: a new temporary directory), on free 127.0.0.1 ports, in the
# background; waits until its SPARQL service answers, and lets its anonymous SPARQL user write
# through the Graph Store (`tid push`). Nothing of the system's own instance is touched.
#
#   scripts/start-virtuoso.sh [DIR]
#
# On success (exit 0) prints one line of KEY=VALUE pairs:
#   pid=… dir=… query=http://127.0.0.1:P/sparql store=http://127.0.0.1:P/sparql-graph-crud sql=S
# Stop it with `kill <pid>` (its files stay in DIR). When it cannot run here, exits 3 and says why
# on stderr (the tests then skip, quoting the reason).
set -euo pipefail

say() { echo "start-virtuoso: $*" >&2; }
cannot() { say "cannot run: $*"; exit 3; }

VIRTUOSO=$(command -v virtuoso-t || true)
ISQL=$(command -v isql-vt || command -v isql || true)
[ -n "$VIRTUOSO" ] || cannot "virtuoso-t is not installed (Debian: apt-get install virtuoso-opensource)"
[ -n "$ISQL" ] || cannot "isql-vt is not installed (Debian: apt-get install virtuoso-opensource)"
VAD=/usr/share/virtuoso-opensource-7/vad

DIR=${1:-$(mktemp -d -t tid-virtuoso.XXXXXX)}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
SQL_PORT=$(free_port)
HTTP_PORT=$(free_port)
while [ "$HTTP_PORT" = "$SQL_PORT" ]; do HTTP_PORT=$(free_port); done

cat > "$DIR/virtuoso.ini" <<EOF
[Database]
DatabaseFile       = $DIR/virtuoso.db
ErrorLogFile       = $DIR/virtuoso.log
LockFile           = $DIR/virtuoso.lck
TransactionFile    = $DIR/virtuoso.trx
xa_persistent_file = $DIR/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = $DIR/virtuoso-temp.db
TransactionFile    = $DIR/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort               = 127.0.0.1:$SQL_PORT
LiteMode                 = 0
DisableUnixSocket        = 1
DisableTcpSocket         = 0
ServerThreads            = 10
CheckpointInterval       = 60
O_DIRECT                 = 0
CaseMode                 = 2
MaxStaticCursorRows      = 5000
CheckpointAuditTrail     = 0
AllowOSCalls             = 0
SchedulerInterval        = 10
DirsAllowed              = ., $DIR, $VAD
ThreadCleanupInterval    = 0
ThreadThreshold          = 10
ResourcesCleanupInterval = 0
FreeTextBatchSize        = 100000
SingleCPU                = 0
VADInstallDir            = $VAD/
PrefixResultNames        = 0
RdfFreeTextRulesSize     = 100
IndexTreeMaps            = 256
MaxMemPoolSize           = 200000000
PrefixResultNames        = 0
MacSpotlight             = 0
MaxQueryMem              = 1G
NumberOfBuffers          = 10000
MaxDirtyBuffers          = 6000

[HTTPServer]
ServerPort                  = 127.0.0.1:$HTTP_PORT
ServerRoot                  = /var/lib/virtuoso-opensource-7/vsp
MaxClientConnections        = 10
DavRoot                     = DAV
EnabledDavVSP               = 0
HTTPProxyEnabled            = 0
TempASPXDir                 = 0
DefaultMailServer           = localhost:25
ServerThreads               = 10
MaxKeepAlives               = 10
KeepAliveTimeout            = 10
MaxCachedProxyConnections   = 10
ProxyConnectionCacheTimeout = 15
HTTPThreadSize              = 280000
HttpPrintWarningsInOutput   = 0
Charset                     = UTF-8
MaintenancePage             = atomic.html
EnabledGzipContent          = 1

[AutoRepair]
BadParentLinks = 0

[Client]
SQL_PREFETCH_ROWS  = 100
SQL_PREFETCH_BYTES = 16000
SQL_QUERY_TIMEOUT  = 0
SQL_TXN_TIMEOUT    = 0

[SPARQL]
ResultSetMaxRows           = 100000
MaxQueryCostEstimationTime = 400
MaxQueryExecutionTime      = 60
DefaultQuery               = select distinct ?Concept where {[] a ?Concept} LIMIT 100
DeferInferenceRulesInit    = 0
EOF

cd "$DIR"
"$VIRTUOSO" -f -c "$DIR/virtuoso.ini" > "$DIR/virtuoso.out" 2>&1 &
PID=$!
echo "$PID" > "$DIR/virtuoso.pid"

stop_and_fail() {
    kill "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
    cannot "$1; the end of $DIR/virtuoso.log: $(tail -n 5 "$DIR/virtuoso.log" 2>/dev/null | tr '\n' ' ')"
}

# A new database takes some seconds to create; wait for the SPARQL service (up to 120 s).
for _ in $(seq 1 240); do
    if ! kill -0 "$PID" 2>/dev/null; then
        wait "$PID" 2>/dev/null || true
        cannot "virtuoso-t exited while starting: $(tail -n 5 "$DIR/virtuoso.out" "$DIR/virtuoso.log" 2>/dev/null | tr '\n' ' ')"
    fi
    if curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT/sparql?query=ASK%7B%7D" 2>/dev/null | grep -q '^200$'; then
        READY=1
        break
    fi
    sleep 0.5
done
[ "${READY:-}" = 1 ] || stop_and_fail "its SPARQL service did not answer within 120 s"

# The anonymous SPARQL user may write (Graph Store PUT/DELETE): a test database, on 127.0.0.1.
"$ISQL" "127.0.0.1:$SQL_PORT" dba dba exec="GRANT SPARQL_UPDATE TO \"SPARQL\"; DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 7);" \
    > "$DIR/isql.out" 2>&1 || stop_and_fail "granting SPARQL_UPDATE failed: $(tr '\n' ' ' < "$DIR/isql.out")"

echo "pid=$PID dir=$DIR query=http://127.0.0.1:$HTTP_PORT/sparql store=http://127.0.0.1:$HTTP_PORT/sparql-graph-crud sql=$SQL_PORT"
