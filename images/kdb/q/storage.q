/ guru q API on kdb+: where the data lives.
/ Parallel to guru-engine's engine/src/store/ (store.ts, catalog.ts, segment-writer.ts): the
/ catalog, the in-memory tables, the write log, and the segmented HDB.

/ Layout (GURU_ROOT, by default on the first stripe, and one segment per mounted stripe):
/   ROOT/catalog          series names, schemas, ids and retention: (ids; schemas; nextId; days),
/                         replaced atomically
/   ROOT/log              every acknowledged write and delete since the last savedown, replayed with -11!
/   ROOT/hdb/par.txt      one line per stripe, /data/stripe-N/db (written by entrypoint.sh)
/   ROOT/hdb/sym          the enumeration domain (.Q.en)
/   /data/stripe-N/db/YYYY.MM.DD/tID/   a day's rows of series ID, splayed, sorted by time
/   /data/stripe-N/tmp/   days being written, then renamed into place (same volume)
/ Day d lives on the segment .Q.par picks: d mod N over par.txt, as docs/q-api.md §2 fixes.
/ A series' tables are named t<id>, a new id per create, so a dropped and re-created series
/ never sees the old one's files, and no series name can clash with a q name.

/ ---- paths ------------------------------------------------------------------------------
.guru.h:{[s] hsym `$s}                     / "/a/b" -> `:/a/b
.guru.str:{[p] 1_string p}                  / `:/a/b -> "/a/b"
.guru.parent:{[s] "/" sv -1_"/" vs s}
.guru.exists:{[s] not ()~key .guru.h s}
.guru.rmrf:{[s] if[.guru.exists s; system "rm -rf ",s]}   / paths are ours (ids, dates), never client text
.guru.tname:{[id] `$"t",string id}
/ a day's directory of table tn (hsym), on the segment par.txt assigns to the day
.guru.partPath:{[d;tn] .Q.par[.guru.h .guru.hdbDir; d; tn]}
.guru.part:{[d;id] .guru.partPath[d; .guru.tname id]}

/ ---- catalog (engine: store/catalog.ts) ------------------------------------------------
.guru.ids:(`symbol$())!`long$()           / series name -> id
.guru.schemas:(`long$())!()               / id -> schema table ([] name; type; tag)
.guru.nextId:1
.guru.saveCatalog:{[]
  tmp:.guru.catFile,".tmp";
  (.guru.h tmp) set (.guru.ids;.guru.schemas;.guru.nextId;.guru.retentionDays);
  system "mv ",tmp," ",.guru.catFile}
.guru.loadCatalog:{[]
  if[not .guru.exists .guru.catFile; :()];
  c:get .guru.h .guru.catFile;
  .guru.ids:c 0; .guru.schemas:c 1; .guru.nextId:c 2;
  / catalogs written before retention have three items
  if[3<count c; .guru.retentionDays:c 3];
  .guru.memInit each value .guru.ids;}
.guru.seriesId:{[name]
  if[not name in key .guru.ids; '("guru.series.unknown: ",string name)];
  .guru.ids name}
/ a column's type letter; guru.column.unknown for a column the series does not have
.guru.letter:{[id;c]
  s:.guru.schemas id;
  i:s[`name]?c;
  if[i=count s; .guru.unknownColumn c];
  s[`type] i}
.guru.isTag:{[id;c] s:.guru.schemas id; s[`tag] s[`name]?c}

/ ---- in-memory rows: one table per series, .guru.m.t<id> ---------------------------------
.guru.memName:{[id] `$".guru.m.t",string id}
.guru.memTable:{[id] get .guru.memName id}
.guru.memInit:{[id] s:.guru.schemas id; (.guru.memName id) set flip s[`name]!.guru.empty each s`type}
.guru.memInsert:{[id;t] (.guru.memName id) insert t;}
.guru.memDrop:{[id] ![`.guru.m;();0b;enlist .guru.tname id];}

/ ---- the write log: acknowledged only once appended (engine: DuckDB's WAL) --------------
/ Messages are calls that -11! replays in order: (`.guru.replayWrite; id; rows),
/ (`.guru.replayDelete; id; start; end) and the savedown's (`.guru.replaySaved; id; day; token).
.guru.replayWrite:{[id;t] if[id in value .guru.ids; .guru.memInsert[id;t]];}
.guru.replayDelete:{[id;s;e] if[id in value .guru.ids; .guru.deleteMem[id;s;e]];}
/ replays the log, cutting a torn last message (never acknowledged: kill -9 during its write)
.guru.replayLog:{[]
  f:.guru.h .guru.logFile;
  if[not .guru.exists .guru.logFile; .[f;();:;()]; :()];
  n:-11!(-2;f);
  if[1<count n; -2 "guru: cutting a torn message at the end of the log"; f 1: read1 (f;0;n 1); n:n 0];
  -11!(n;f);}
.guru.openLog:{[] .guru.logH:hopen .guru.h .guru.logFile}
.guru.resetLog:{[]
  hclose .guru.logH;
  .[.guru.h .guru.logFile;();:;()];
  .guru.openLog[]}
.guru.log:{[msg] .guru.logH enlist msg}

/ ---- the HDB (engine: store/segment-writer.ts) ------------------------------------------
/ .guru.hdbIndex: one row per (day; table) on disk, read from the segments themselves
.guru.hdbIndex:([] day:`date$(); tname:`symbol$())
.guru.scanHdb:{[]
  ps:raze {[s] d:key .guru.h s; d:d where d like "[0-9][0-9][0-9][0-9].[0-9][0-9].[0-9][0-9]"; (s,"/"),/:string d} each .guru.segs;
  if[0=count ps; :([] day:`date$(); tname:`symbol$())];
  ts:{key .guru.h x} each ps;
  ([] day:`date$raze (count each ts)#'"D"$last each "/" vs/:ps; tname:`symbol$raze ts)}
.guru.hdbDays:{[id] tn:.guru.tname id; asc exec day from .guru.hdbIndex where tname=tn}
/ rescans the segments and maps the HDB again, so a q session sees the usual partitioned tables;
/ the API itself reads partitions directly (.guru.day), so days missing a table need no .Q.bv
.guru.reload:{[]
  .guru.hdbIndex:.guru.scanHdb[];
  if[count .guru.hdbIndex; @[system; "l ",.guru.hdbDir; {-2 "guru: loading the HDB failed: ",x}]];}
/ a day's rows of a table, in memory, symbols de-enumerated; () when the day has none
.guru.readPart:{[p]
  s:.guru.str p;
  $[.guru.exists s; .guru.unenumT select from get .guru.h s,"/"; ()]}

/ Days are replaced, never edited in place: written whole under the stripe's tmp/ (same volume),
/ then renamed. tmp/ names carry a token no other write uses, so a rename replayed after a crash
/ moves exactly the directory that was finished; anything else left in tmp/ is dropped on start.
.guru.seq:0
.guru.token:{[] .guru.seq+:1; string[`long$.guru.started],"-",string .guru.seq}
/ /data/stripe-N/db/2024.01.01/t7 -> /data/stripe-N/tmp/TOKEN.2024.01.01.t7
.guru.tmpPath:{[p;token] x:"/" vs .guru.str p; ("/" sv -3_x),"/tmp/",token,".",x[-2+count x],".",last x}
.guru.writeTmp:{[p;token;t]
  tmp:.guru.tmpPath[p;token];
  (.guru.h tmp,"/") set .Q.en[.guru.h .guru.hdbDir] `time xasc t;}
.guru.swap:{[p;token]
  fin:.guru.str p; tmp:.guru.tmpPath[p;token]; old:.guru.tmpPath[p;"old-",token];
  if[.guru.exists tmp;
    if[.guru.exists fin; system "mv ",fin," ",old];
    system "mkdir -p ",.guru.parent fin;
    system "mv ",tmp," ",fin];
  .guru.rmrf old;}
.guru.replacePart:{[p;t] token:.guru.token[]; .guru.writeTmp[p;token;t]; .guru.swap[p;token]}
/ removes a day directory of a table, and the day's directory once it holds no table
.guru.removePart:{[p]
  s:.guru.str p;
  .guru.rmrf s;
  d:.guru.parent s;
  if[.guru.exists d; if[0=count key .guru.h d; .guru.rmrf d]];}
.guru.cleanTmp:{[] {system "rm -rf ",(.guru.parent x),"/tmp/*"} each .guru.segs;}

/ ---- savedown: memory -> HDB, on the timer -----------------------------------------------
/ For each series and day in memory: merge with the day on disk and write it to tmp/, log the
/ marker (`.guru.replaySaved; id; day; token), rename it into place and drop those rows from
/ memory. Replaying the log does the same at the marker: rows logged before it leave memory (they
/ are on disk), an unfinished rename is finished, rows logged after it stay. So a crash at any
/ point neither loses nor duplicates a row. Once every day is saved the log is emptied.
.guru.replaySaved:{[id;d;token]
  if[not id in value .guru.ids; :()];
  .guru.swap[.guru.part[d;id]; token];
  m:.guru.memName id;
  t:get m;
  m set t where not d=`date$t`time;}
.guru.saveDay:{[id;d]
  p:.guru.part[d;id];
  t:.guru.memTable id;
  rows:t where d=`date$t`time;
  old:.guru.readPart p;
  token:.guru.token[];
  .guru.writeTmp[p; token; $[count old; old,rows; rows]];
  .guru.log (`.guru.replaySaved;id;d;token);
  .guru.replaySaved[id;d;token];}
.guru.savedown:{[]
  {[id] .guru.saveDay[id] each asc distinct `date$(.guru.memTable id)`time} each value .guru.ids;
  .guru.resetLog[];
  .guru.reload[];}
/ removes day directories of tables no series owns any more (a drop interrupted by a crash)
.guru.dropOrphans:{[]
  live:.guru.tname each value .guru.ids;
  orphans:select from .guru.hdbIndex where not tname in live;
  {.guru.removePart .guru.partPath[x`day; x`tname]} each orphans;}
