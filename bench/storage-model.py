#!/usr/bin/env python3
# A model of govledger's append on SQLite, outside govledger (issue 16 item 3, session 8): the
# same schema (11 columns, the two unique indexes, the gapless trigger, the head) written 100
# rows per transaction, WAL + synchronous=FULL, rows prepared before the timed part, with the
# Merkle nodes stored three ways: `lvl` a table keyed (level, idx) (sessions 1-7), `post` a
# table keyed by the node's position in completion order, `inrow` in the event's own row
# (session 8), against `raw` (seq, body) alone. Python's per-row cost of binding 11 values
# dilutes the differences; compare variants within one run.
#
#   python3 bench/storage-model.py 100000 raw full-trig-lvl full-trig-post full-trig-inrow
#
# Variant flags: trig (the gapless trigger), lvl/post/t8/inrow (the nodes), nosv/noid (drop a
# unique index, for reference only: govledger keeps both).
import sqlite3, os, time, hashlib, uuid, sys, random, tempfile
N=int(sys.argv[1]) if len(sys.argv)>1 else 100000
B=100
def body(i):
    return (b'{"data":{"note":"' + (b'x'*380) + b'","n":%d},"effective_at":"2025-01-01T00:00:00Z","id":"%s","meta":{"actor":"bench"},"prev":"%s","recorded_at":"2026","seq":%d,"stream":"s/%d","type":"bench.v1","version":%d}' % (i, str(uuid.uuid4()).encode(), hashlib.sha256(b'%d'%i).hexdigest().encode(), i, i//100 % 50, i))
bodies=[body(i) for i in range(1,N+1)]
def ppos(L,i):
    m=(i+1)<<L; tz=(m & -m).bit_length()-1
    return m-bin(m).count('1')-(tz-L)-1
def nodes_for(n):  # nodes (level>=1) completed by appending leaf n-1 (n leaves total)
    out=[]; L=1
    while n % (1<<L)==0:
        out.append((L, n//(1<<L)-1)); L+=1
    return out
SCHEMA_EVENTS="""CREATE TABLE events (seq INTEGER PRIMARY KEY, id BLOB NOT NULL, stream TEXT NOT NULL, version INTEGER NOT NULL, type TEXT NOT NULL, actor TEXT NOT NULL, basis TEXT NOT NULL, effective_us INTEGER NOT NULL, recorded_us INTEGER NOT NULL, hash BLOB NOT NULL, body BLOB NOT NULL, CONSTRAINT a UNIQUE (id), CONSTRAINT b UNIQUE (stream, version));
CREATE TABLE ledger_head (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, hash BLOB NOT NULL); INSERT INTO ledger_head VALUES (1,0,zeroblob(32));"""
TRIG="""CREATE TRIGGER events_gapless BEFORE INSERT ON events WHEN NEW.seq IS NOT (SELECT coalesce(max(seq), 0) FROM events) + 1 BEGIN SELECT RAISE(ABORT, 'gap'); END;"""
def run(variant):
    path=os.path.join(tempfile.gettempdir(), 'govledger-model-%s.db')%variant
    for s in ('','-wal','-shm'):
        try: os.remove(path+s)
        except FileNotFoundError: pass
    c=sqlite3.connect(path, isolation_level=None)
    c.execute('PRAGMA journal_mode=WAL'); c.execute('PRAGMA synchronous=FULL')
    if variant=='raw':
        c.execute('CREATE TABLE raw (seq INTEGER PRIMARY KEY, body BLOB NOT NULL)')
    else:
        sch=SCHEMA_EVENTS
        if 'nosv' in variant: sch=sch.replace(', CONSTRAINT b UNIQUE (stream, version)','')
        if 'noid' in variant: sch=sch.replace(', CONSTRAINT a UNIQUE (id)','')
        c.executescript(sch)
        if 'trig' in variant: c.executescript(TRIG)
        if 'inrow' in variant: c.execute('ALTER TABLE events ADD COLUMN nodes BLOB')
        if 'lvl' in variant: c.execute('CREATE TABLE m (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY(level, idx)) WITHOUT ROWID')
        if 'post' in variant or 't8' in variant: c.execute('CREATE TABLE m (pos INTEGER PRIMARY KEY, hash BLOB NOT NULL)')
    h=b'\0'*32
    plan=[]
    for s in range(0,N,B):
        chunk=bodies[s:s+B]
        rows=[]
        for j,b in enumerate(chunk):
            seq=s+j+1; h=hashlib.sha256(b).digest()
            rows.append((seq, uuid.UUID(int=(seq<<64)|random.getrandbits(64)).bytes, 's/%d'%(seq//100%50), seq, 'bench.v1','bench','art', seq, seq, h, b))
        nodes=[]
        for j in range(len(chunk)):
            nodes += nodes_for(s+j+1)
        plan.append((s,chunk,rows,nodes,h))
    t=time.perf_counter()
    for (s,chunk,rows,nodes,h) in plan:
        c.execute('BEGIN IMMEDIATE')
        if variant=='raw':
            c.executemany('INSERT INTO raw VALUES (?,?)', [(s+j+1, b) for j,b in enumerate(chunk)])
        else:
            if 'inrow' in variant:
                c.executemany('INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?,?,?)', [r+((b'h'*32*(((r[0]) & -(r[0])).bit_length()-1)) or None,) for r in rows])
            else:
                c.executemany('INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?,?)', rows)
            if 'lvl' in variant:
                c.executemany('INSERT INTO m VALUES (?,?,?)', [(L,i,h) for L,i in nodes])
            elif 'post' in variant:
                c.executemany('INSERT INTO m VALUES (?,?)', [(ppos(L,i),h) for L,i in nodes])
            elif 't8' in variant:
                c.executemany('INSERT INTO m VALUES (?,?)', [(ppos(L,i),h) for L,i in nodes if L%8==0])
            c.execute('UPDATE ledger_head SET seq=?, hash=? WHERE id=1', (s+len(chunk), h))
        c.execute('COMMIT')
    dt=time.perf_counter()-t
    print('%-20s %8.0f/s  pages=%d' % (variant, N/dt, c.execute('PRAGMA page_count').fetchone()[0]), flush=True)
for v in sys.argv[2:]:
    run(v)
