/ guru q API on kdb+: .guru.retention, .guru.retain (how long data is kept) and .guru.snapshot,
/ .guru.snapshotRead, .guru.snapshotFree (consistent copies for backups), docs/q-api.md.
/ Parallel to guru-engine's engine/src/api/lifecycle.ts, store/retention.ts and store/snapshots.ts.

/ ---- retention (engine: store/retention.ts) ----------------------------------------------
/ The cutoff is the start of the UTC day `days` before today, so whole date partitions are kept
/ or expired: .guru.kept filters days alone, and the cutoff stays put for a whole day.
.guru.maxRetentionDays:36500
.guru.retentionDays:0
.guru.lastRun:0Np
.guru.dropped:0
.guru.cutoff:{[] $[.guru.retentionDays>0; `timestamp$.z.d-.guru.retentionDays; 0Np]}
/ the days of d that queries see
.guru.kept:{[d] c:.guru.cutoff[]; $[null c; d; d where d>=`date$c]}
/ the first time queries see: the later of s and the cutoff
.guru.visibleFrom:{[s] c:.guru.cutoff[]; $[null c; s; null s; c; s|c]}
/ deletes every expired row: memory through the log (replayed as a delete), disk by whole days
.guru.expireSeries:{[id;c]
  if[any c>(.guru.memTable id)`time; .guru.log (`.guru.replayDelete;id;0Np;c)];
  n:.guru.deleteMem[id;0Np;c];
  old:.guru.hdbDays[id] where .guru.hdbDays[id]<`date$c;
  ps:.guru.part[;id] each old;
  n+:`long$sum {count get .guru.h (.guru.str x),"/time"} each ps;
  .guru.removePart each ps;
  n}
.guru.expire:{[]
  c:.guru.cutoff[];
  if[null c; :()];
  n:`long$sum .guru.expireSeries[;c] each value .guru.ids;
  .guru.reload[];
  .guru.lastRun:.z.p;
  .guru.dropped:n;}
/ (rows; first times; last times) of every series, as vectors (empty without series)
.guru.extents:{[]
  ids:value .guru.ids;
  $[count ids; flip .guru.extent each ids; (`long$(); `timestamp$(); `timestamp$())]}
/ the earliest and latest time of any series; 0Np when none holds a row
.guru.bounds:{[e] k:where 0<e 0; $[count k; (min e[1] k; max e[2] k); 2#0Np]}
.guru.oldest:{[] first .guru.bounds .guru.extents[]}
.guru.retentionDict:{[]
  `days`cutoff`oldest`lastRun`dropped!(`long$.guru.retentionDays; .guru.cutoff[]; .guru.oldest[]; .guru.lastRun; `long$.guru.dropped)}
.guru.retention:{[x]
  .guru.chkNil[x;"x"];
  .guru.retentionDict[]}
/ stored in the catalog (so it survives restarts and travels in snapshots), then enforced
.guru.retain:{[days]
  .guru.chkLong[days;"days"];
  if[not days within 0,.guru.maxRetentionDays;
    .guru.argErr "days: ",string[days]," is not within 0 ",string .guru.maxRetentionDays];
  .guru.retentionDays:days;
  .guru.saveCatalog[];
  .guru.expire[];
  .guru.retentionDict[]}

/ ---- snapshots (engine: store/snapshots.ts) ---------------------------------------------
/ A snapshot of segment k lives on k's own stripe, STRIPE/snapshots/ID/segment-k/, so that date
/ partitions are hard links (cp -al): days are only ever replaced by rename, never edited in
/ place, so a link keeps the day as it was. sym grows in place (.Q.en) and the catalog is small:
/ both are copied, into segment 0. File names, relative to the snapshot:
/   segment-k/YYYY.MM.DD/tID/COLUMN   into segment k's db directory on restore
/   segment-0/sym, segment-0/catalog  into ROOT/hdb/sym and ROOT/catalog
/ q runs one call at a time, so writes arriving during a snapshot wait, none fails.
.guru.snapshotChunk:4194304
.guru.snapshotMaxAge:0D06:00:00
.guru.snapTimes:(`symbol$())!`timestamp$()   / id -> when it was taken
.guru.snapList:(`symbol$())!()                / id -> its files, ([] name:C; bytes:J)
.guru.writes:0                              / write batches acknowledged since start
.guru.snapRoot:{[k] (.guru.parent .guru.segs k),"/snapshots"}
.guru.snapDir:{[k;id] .guru.snapRoot[k],"/",id,"/segment-",string k}
/ the files under a snapshot's segment directory: (relative names; sizes)
.guru.snapFiles:{[k;id]
  lines:system "cd ",.guru.snapDir[k;id]," && find . -type f -printf '%P\\t%s\\n'";
  lines:lines where 0<count each lines;
  if[0=count lines; :([] name:(); bytes:`long$())];
  f:"\t" vs/: lines;
  ([] name:(("segment-",string[k],"/"),) each f[;0]; bytes:"J"$f[;1])}
.guru.snapCopy:{[k;id]
  d:.guru.snapDir[k;id];
  system "mkdir -p ",d;
  days:{x where x like "[0-9][0-9][0-9][0-9].[0-9][0-9].[0-9][0-9]"} string key .guru.h .guru.segs k;
  if[count days; system "cp -al ",(" " sv (.guru.segs[k],"/"),/:days)," ",d];
  if[0=k;
    if[.guru.exists .guru.hdbDir,"/sym"; system "cp ",.guru.hdbDir,"/sym ",d,"/sym"];
    if[.guru.exists .guru.catFile; system "cp ",.guru.catFile," ",d,"/catalog"]];}
.guru.snapRemove:{[id] {.guru.rmrf .guru.snapRoot[x],"/",y}[;id] each til count .guru.segs;}
/ expired rows go first, then memory is saved down (the log is then empty): the HDB alone holds
/ every acknowledged write, and nothing changes while this call runs
.guru.snapshot:{[x]
  .guru.chkNil[x;"x"];
  at:.z.p;
  .guru.expire[];
  .guru.savedown[];
  id:raze string 8#md5 string[at],.guru.token[];
  ks:til count .guru.segs;
  files:@[{.guru.snapCopy[;x] each y; raze .guru.snapFiles[;x] each y}[id]; ks; {[id;e] .guru.snapRemove id; 'e}[id]];
  .guru.snapTimes[`$id]:at;
  .guru.snapList[`$id]:files;
  e:.guru.extents[];
  b:.guru.bounds e;
  `id`at`writes`rows`firstTime`lastTime`segments`files!(
    id; at; `long$.guru.writes; `long$sum e 0; b 0; b 1; `long$count ks; files)}
/ a known snapshot's files; guru.arg for any other id
.guru.snapEntry:{[id]
  if[not (`$id) in key .guru.snapList; .guru.argErr "id: no snapshot ",id];
  .guru.snapList `$id}
.guru.snapshotRead:{[id;name;offset]
  .guru.chkStr[id;"id"];
  .guru.chkStr[name;"name"];
  .guru.chkLong[offset;"offset"];
  files:.guru.snapEntry id;
  i:first where files[`name]~\:name;
  if[null i; .guru.argErr "name: no file ",name," in snapshot ",id];
  size:files[`bytes] i;
  if[(offset<0) or offset>size; .guru.argErr "offset: ",string[offset]," is past ",string size];
  n:.guru.snapshotChunk&size-offset;
  if[0=n; :`byte$()];
  / the name is one the snapshot listed, so the path stays inside it
  k:"J"$(count "segment-")_first "/" vs name;
  read1 (.guru.h .guru.snapRoot[k],"/",id,"/",name; offset; n)}
.guru.snapshotFree:{[id]
  .guru.chkStr[id;"id"];
  n:sum .guru.snapEntry[id]`bytes;
  keep:key[.guru.snapList] except `$id;
  .guru.snapList:keep#.guru.snapList;
  .guru.snapTimes:keep#.guru.snapTimes;
  .guru.snapRemove id;
  `long$n}
/ snapshots whose backup died or forgot them
.guru.expireSnapshots:{[]
  .guru.snapshotFree each string where .guru.snapshotMaxAge<.z.p-.guru.snapTimes;}
/ at start: none on disk can still be read
.guru.clearSnapshots:{[] {.guru.rmrf .guru.snapRoot x} each til count .guru.segs;}
