/ guru q API on kdb+: .guru.write and .guru.delete.
/ Parallel to guru-engine's engine/src/api/write.ts.

/ the columns of a table, or of a dict of symbol names to vectors
.guru.dataColumns:{[d]
  if[98h=type d; :flip d];
  if[not 99h=type d; .guru.typeErr "data"];
  k:key d;
  if[(0h=type k) and 0=count k; :d];
  if[not 11h=type k; .guru.typeErr "data"];
  d}
/ the rows to write, as a table in schema order; every column present, of its exact type and length
.guru.checkData:{[id;d]
  s:.guru.schemas id; names:s`name; letters:s`type;
  k:key d;
  if[count x:k except names; .guru.mismatch "no column ",string first x];
  if[count x:names except k; .guru.mismatch "missing ",string first x];
  if[not count[k]=count distinct k; .guru.mismatch "a column given twice"];
  v:d names;
  ok:.guru.colOk'[letters;v];
  if[not all ok; i:first where not ok; .guru.mismatch string[names i]," is not of type ",1#letters i];
  n:count first v;
  if[not all n=count each v; .guru.mismatch "columns of different lengths"];
  if[any null first v; .guru.argErr "time"];
  flip names!v}
/ rows are logged before the reply: the log survives kill -9 and is replayed with -11! on start
.guru.write:{[name;data]
  .guru.chkSym[name;"name"];
  d:.guru.dataColumns data;
  id:.guru.seriesId name;
  t:.guru.checkData[id;d];
  if[0=count t; :0];
  .guru.log (`.guru.replayWrite;id;t);
  .guru.memInsert[id;t];
  .guru.writes+:1;
  count t}

/ ---- delete: start <= time < end, 0Np unbounded ----------------------------------------
.guru.inRange:{[t;s;e] $[null s; count[t]#1b; t>=s] & $[null e; count[t]#1b; t<e]}
.guru.deleteMem:{[id;s;e]
  m:.guru.memName id;
  t:get m;
  hit:.guru.inRange[t`time;s;e];
  if[any hit; m set t where not hit];
  `long$sum hit}
.guru.deleteDay:{[id;s;e;d]
  p:.guru.part[d;id];
  t:.guru.readPart p;
  hit:.guru.inRange[t`time;s;e];
  if[not any hit; :0];
  $[all hit; .guru.removePart p; .guru.replacePart[p; t where not hit]];
  `long$sum hit}
/ days on disk are rewritten one by one: a crash may leave part of the range, and repeating
/ the delete completes it (docs/q-api.md); the log entry replays the in-memory part
.guru.delete:{[name;s;e]
  .guru.chkSym[name;"name"];
  .guru.chkTs[s;"start"];
  .guru.chkTs[e;"end"];
  id:.guru.seriesId name;
  / expired rows are neither deleted nor counted here
  s:.guru.visibleFrom s;
  .guru.log (`.guru.replayDelete;id;s;e);
  days:.guru.kept .guru.hdbDays id;
  if[not null s; days:days where days>=`date$s];
  if[not null e; days:days where days<=`date$e-1];
  n:.guru.deleteMem[id;s;e]+`long$sum .guru.deleteDay[id;s;e] each days;
  if[count days; .guru.reload[]];
  n}
