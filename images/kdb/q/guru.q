/ guru q API on kdb+ (docs/q-api.md, contract version 1.0): the entry point.
/   q guru.q -p 5000 -s THREADS -T SECONDS -U CREDENTIALS_FILE
/ Started by entrypoint.sh, which writes ROOT/hdb/par.txt from the mounted stripes.
/ Two of the contract's error words come from kdb+ itself: 'stop for a call running past -T, and
/ 'limit for a message larger than kdb+ accepts (2 GB - 1).
/ This code is written from the contract and cannot run in the project's CI (no kdb+ there):
/ a licence holder runs the contract suite against it (images/kdb/README.md).

/ Environment:
/   GURU_ROOT              catalog, log and HDB root (default /data/stripe-0/guru)
/   GURU_CREDENTIALS_FILE  user:password lines (default /etc/guru/credentials)
/   GURU_MAX_ROWS          the row limit of one reply (default 1000000, as guru-engine)
/   GURU_SAVEDOWN_SECONDS  how often memory is saved down and expired rows deleted (default 300)
/   GURU_RETENTION_DAYS    days kept, stored in the catalog (default: the catalog's, else 0: all)

.guru.version:"1.0"
.guru.started:.z.p
.guru.ready:0b
.guru.env:{[name;default] v:getenv name; $[count v; v; default]}
.guru.rootDir:.guru.env[`GURU_ROOT;"/data/stripe-0/guru"]
.guru.hdbDir:.guru.rootDir,"/hdb"
.guru.catFile:.guru.rootDir,"/catalog"
.guru.logFile:.guru.rootDir,"/log"
.guru.credFile:.guru.env[`GURU_CREDENTIALS_FILE;"/etc/guru/credentials"]
.guru.maxRows:"J"$.guru.env[`GURU_MAX_ROWS;"1000000"]
.guru.saveSeconds:"J"$.guru.env[`GURU_SAVEDOWN_SECONDS;"300"]

/ the other files sit next to this one; load them before any HDB load changes directory
.guru.src:{[f] d:"/" vs string .z.f; $[1<count d; ("/" sv -1_d),"/",f; f]}
{system "l ",.guru.src x} each ("util.q";"storage.q";"admin.q";"write.q";"options.q";"query.q";"fill.q";"lifecycle.q";"access.q");

/ ---- start: credentials, catalog, log replay, HDB ----------------------------------------
if[not .guru.exists .guru.credFile; -2 "guru: no credentials file ",.guru.credFile; exit 1];
.guru.credentials:.guru.readCredentials .guru.credFile
if[0=count .guru.credentials; -2 "guru: no user:password line in ",.guru.credFile; exit 1];
if[not .guru.exists .guru.hdbDir,"/par.txt"; -2 "guru: no ",.guru.hdbDir,"/par.txt (entrypoint.sh writes it)"; exit 1];
.guru.segs:{x where 0<count each x} read0 .guru.h .guru.hdbDir,"/par.txt"
if[.guru.exists .guru.hdbDir,"/sym"; sym:get .guru.h .guru.hdbDir,"/sym"];
.guru.loadCatalog[]
if[count getenv `GURU_RETENTION_DAYS; .guru.retentionDays:"J"$getenv `GURU_RETENTION_DAYS; .guru.saveCatalog[]];
.guru.hdbIndex:.guru.scanHdb[]
/ the log rebuilds memory exactly as acknowledged, finishing any rename a crash cut short
.guru.replayLog[]
.guru.cleanTmp[]
.guru.openLog[]
.guru.dropOrphans[]
.guru.clearSnapshots[]
.guru.reload[]
.guru.expire[]

/ ---- timer: savedown, retention, old snapshots (between client calls; -T does not apply) ----
.guru.tick:{[f;what] @[f; ::; {[what;e] -2 "guru: ",what," failed: ",e;}[what]];}
.z.ts:{[now]
  .guru.tick[.guru.savedown;"savedown"];
  .guru.tick[.guru.expire;"retention"];
  .guru.tick[.guru.expireSnapshots;"expiring snapshots"];}
system "t ",string 1000*.guru.saveSeconds
.guru.ready:1b
-1 "guru: ready, ",string[count .guru.ids]," series, segments: ",", " sv .guru.segs;
