/ guru q API on kdb+: .guru.query and .guru.last.
/ Parallel to guru-engine's engine/src/query/execute.ts, sql.ts (reading), cursor.ts (paging)
/ and engine/src/api/read.ts. Reads union the days on disk with the rows in memory, with
/ functional selects only.

/ ---- reading rows (engine: query/sql.ts) -------------------------------------------------
.guru.timeConds:{[s;e]
  c:();
  if[not null s; c,:enlist (>=;`time;s)];
  if[not null e; c,:enlist (<;`time;e)];
  c}
/ days with rows of the series (on disk or in memory) that may hold start <= time < end; with
/ retention, only kept days (the cutoff is day-aligned, so no expired row is in a kept day)
.guru.days:{[id;s;e]
  d:.guru.kept asc distinct .guru.hdbDays[id],`date$(.guru.memTable id)`time;
  if[not null s; d:d where d>=`date$s];
  if[not null e; d:d where d<=`date$e-1];
  d}
/ one day's rows of columns cs (time first) matching w, disk then memory, in time order
.guru.day:{[id;w;cs;d]
  a:cs!cs;
  p:.guru.part[d;id];
  disk:$[d in .guru.hdbDays id; .guru.unenumT ?[get .guru.h (.guru.str p),"/"; w; 0b; a]; ()];
  bounds:`timestamp$d+0 1;
  mem:?[.guru.memTable id; (enlist (within;`time;enlist (bounds 0;bounds[1]-1))),w; 0b; a];
  `time xasc $[count disk; disk,mem; mem]}
/ at most n rows (n may be 0W) of series id with start <= time < end matching w, columns cs,
/ in time order o; equal times in storage order (reversed with desc). Days are read in order
/ and reading stops once n rows are in hand; a whole read runs the days in parallel (-s).
.guru.scan:{[id;s;e;w;cs;o;n]
  w:.guru.timeConds[s;e],w;
  ds:.guru.days[id;s;e];
  empty:cs#0#.guru.memTable id;
  if[n>=0W;
    r:$[count ds; raze .guru.day[id;w;cs] peach ds; empty];
    :$[o=`desc; reverse r; r]];
  if[o=`desc; ds:reverse ds];
  r:empty;
  while[(n>count r) & 0<count ds;
    rows:.guru.day[id;w;cs;first ds];
    r,:$[o=`desc; reverse rows; rows];
    ds:1_ds];
  r}

/ ---- cursors (engine: query/cursor.ts) ---------------------------------------------------
/ "fingerprint|position": the fingerprint covers the series id and every option but limit and
/ cursor, so a cursor is refused for any other query or a re-created series.
.guru.fingerprint:{[spec] raze string md5 "c"$-8!(key[spec] except `limit`cursor`paged)#spec}
.guru.cursor:{[spec;pos] .guru.fingerprint[spec],"|","|" sv string pos}
/ the position in the spec's cursor: (time; skip) for raw queries, enlist offset for aggregates
.guru.position:{[spec;size]
  p:"|" vs spec`cursor;
  if[not (first p)~.guru.fingerprint spec; .guru.argErr "cursor"];
  n:"J"$1_p;
  if[not size=count n; .guru.argErr "cursor"];
  if[any (null n) or n<0; .guru.argErr "cursor"];
  n}
.guru.pageSize:{[spec] .guru.maxRows&$[null spec`limit; .guru.maxRows; spec`limit]}
.guru.tooMany:{[n] if[.guru.maxRows<n; '("guru.query.limit: more than ",string[.guru.maxRows]," rows")]}

/ ---- raw queries ---------------------------------------------------------------------------
/ pages resume after the last row returned: from its time on, skipping the rows at that time
/ already returned, so rows written meanwhile at later times appear in later pages
.guru.raw:{[spec]
  cs:`time,spec`columns;
  s:spec`start; e:spec`end; down:`desc=spec`order;
  pos:$[count spec`cursor; .guru.position[spec;2]; ()];
  skip:0;
  if[count pos;
    t:`timestamp$pos 0; skip:pos 1;
    $[down; e:$[null e; t+1; e&t+1]; s:$[null s; t; s|t]]];
  size:$[spec`paged; .guru.pageSize spec; .guru.maxRows];
  r:skip _ .guru.scan[spec`id; s; e; spec`where; cs; spec`order; skip+size+1];
  if[not spec`paged; .guru.tooMany count r; :r];
  page:size sublist r;
  if[size>=count r; :`data`next!(page;::)];
  lt:last page`time;
  k:`long$sum lt=page`time;
  if[count pos; if[lt=`timestamp$pos 0; k+:skip]];
  `data`next!(page;.guru.cursor[spec;(`long$lt;k)])}

/ ---- aggregates (engine: query/sql.ts aggSql, query/spec.ts) ------------------------------
/ a sum of longs, exact, or 'guru.overflow past what a long holds (q's own sum wraps silently):
/ summed as high and low 32-bit halves, neither of which can overflow below 2^31 values
.guru.sumLong:{[v]
  w:v where not null v;
  hi:sum w div 4294967296; lo:sum w mod 4294967296;
  hi+:lo div 4294967296; lo:lo mod 4294967296;
  if[(hi<-2147483648) or hi>2147483647; '"guru.overflow"];
  $[null r:lo+hi*4294967296; '"guru.overflow"; r]}
/ one function per agg name, applied to a group's column in time order. Nulls are skipped;
/ over no values: count and sum 0, all else null (docs/q-api.md, aggregates).
/ (explicit [v] parameters: a body naming y would make q take two arguments)
.guru.aggFn:.guru.aggFns!(
  {[v] $[count v; first v; .guru.nul v]};
  {[v] $[count v; last v; .guru.nul v]};
  {[v] $[count w:v where not null v; min w; .guru.nul v]};
  {[v] $[count w:v where not null v; max w; .guru.nul v]};
  {[v] $[(abs type v) in 8 9h; sum "f"$v; 16h=abs type v; `timespan$.guru.sumLong `long$v; .guru.sumLong `long$v]};
  {[v] avg "f"$v};
  {[v] $[count w:"f"$v where not null v; dev w; 0n]};
  {[v] $[count w:"f"$v where not null v; med w; 0n]};
  {[v] $[0h=type v; count v; `long$sum not null v]})
/ every output over no rows: the values of an empty group (fill null)
.guru.emptyGroup:{[t;spec] a:spec`agg; (key a)!{[t;p] .guru.aggFn[p 0] 0#t p 1}[t] each value a}
/ grouped by bucket and by columns (or one row over everything), keys first, then the outputs
.guru.group:{[t;spec]
  a:spec`agg; grp:spec`by;
  if[(0=count grp) and null spec`bucket; :enlist (key a)!{[t;p] .guru.aggFn[p 0] t p 1}[t] each value a];
  b:grp!grp;
  if[not null spec`bucket; b:((enlist `time)!enlist (xbar;spec`bucket;`time)),b];
  0!?[t; (); b; (key a)!{(.guru.aggFn x 0;x 1)} each value a]}
/ by time (asc or desc) when bucketed, then by the by columns ascending (symbol text)
.guru.sortResult:{[r;spec]
  if[count spec`by; r:spec[`by] xasc r];
  if[not null spec`bucket; r:$[`desc=spec`order; `time xdesc r; `time xasc r]];
  r}
/ an aggregated result is computed whole (within the row limit), then paged by position
.guru.aggregated:{[spec]
  cs:distinct `time,spec[`by],value[spec`agg][;1];
  t:.guru.scan[spec`id; spec`start; spec`end; spec`where; cs; `asc; 0W];
  r:.guru.group[t;spec];
  if[not `none=spec`fill; r:.guru.fill[r; .guru.emptyGroup[t;spec]; spec]];
  r:.guru.sortResult[r;spec];
  .guru.tooMany count r;
  if[not spec`paged; :r];
  off:$[count spec`cursor; first .guru.position[spec;1]; 0];
  size:.guru.pageSize spec;
  `data`next!(size sublist off _ r; $[count[r]>off+size; .guru.cursor[spec;enlist off+size]; ::])}

.guru.query:{[name;options]
  .guru.chkSym[name;"name"];
  o:.guru.optionsDict options;
  spec:.guru.spec[.guru.seriesId name; o];
  $[count spec`agg; .guru.aggregated spec; .guru.raw spec]}

/ ---- last (engine: query/execute.ts runLast) -----------------------------------------------
/ the latest row per group: the last row of each group per day, then the last of those
.guru.last:{[name;groupBy]
  .guru.chkSym[name;"name"];
  grp:.guru.chkSyms[groupBy;"by"];
  id:.guru.seriesId name;
  cs:.guru.schemas[id]`name;
  .guru.noDuplicates[grp;"by"];
  .guru.letter[id] each grp;
  if[not all .guru.isTag[id] each grp; .guru.argErr "by takes tags only"];
  if[0=count grp; :.guru.scan[id;0Np;0Np;();cs;`desc;1]];
  vals:cs except grp;
  lastOf:{[grp;vals;t] 0!?[t; (); grp!grp; vals!{(last;x)} each vals]}[grp;vals];
  perDay:lastOf each .guru.day[id;();cs] each .guru.days[id;0Np;0Np];
  r:$[count perDay; lastOf raze perDay; 0#.guru.memTable id];
  cs xcols grp xasc r}
