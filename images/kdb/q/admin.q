/ guru q API on kdb+: .guru.ping, .guru.create, .guru.drop, .guru.series, .guru.stats.
/ Parallel to guru-engine's engine/src/api/admin.ts (and store/schema.ts for the schema rules).

.guru.ping:{[x]
  .guru.chkNil[x;"x"];
  `version`engine`uptime!(.guru.version;`kdb;.z.p-.guru.started)}

/ ---- create ---------------------------------------------------------------------------
/ the schema argument as ([] name:S; type:C; tag:B), whatever its column order
.guru.schemaTable:{[x]
  if[not 98h=type x; .guru.typeErr "schema"];
  c:cols x;
  if[not (3=count c) and all `name`type`tag in c; .guru.typeErr "schema"];
  n:x`name; t:x`type; g:x`tag;
  if[not (11h=type n) and (10h=type t) and 1h=type g; .guru.typeErr "schema"];
  if[count bad:t except .guru.letters; .guru.invalid "unknown type \"",(1#bad),"\""];
  flip `name`type`tag!(n;t;g)}
.guru.checkSchema:{[s]
  if[(0=count s) or not (`time;"p";0b)~(first s`name;first s`type;first s`tag);
    .guru.invalid "the first column must be (`time;\"p\";0b)"];
  if[256<count s; .guru.invalid "more than 256 columns"];
  if[not all .guru.validName each s`name; .guru.invalid "bad column name"];
  if[not count[s]=count distinct s`name; .guru.invalid "duplicate column name"];
  if[any s[`tag] and not "s"=s`type; .guru.invalid "a tag must be of type s"];}
.guru.create:{[name;schema]
  .guru.chkSym[name;"name"];
  s:.guru.schemaTable schema;
  if[not .guru.validName name; .guru.argErr "name ",string name];
  .guru.checkSchema s;
  if[name in key .guru.ids;
    if[not s~.guru.schemas .guru.ids name; '("guru.series.exists: ",string name)];
    :s];
  id:.guru.nextId;
  .guru.nextId+:1;
  .guru.ids[name]:id;
  .guru.schemas[id]:s;
  .guru.saveCatalog[];
  .guru.memInit id;
  s}

/ ---- drop -----------------------------------------------------------------------------
/ the catalog forgets the series first: after a crash, files of an unknown id are orphans
/ (.guru.dropOrphans removes them on start)
.guru.drop:{[name]
  .guru.chkSym[name;"name"];
  id:.guru.seriesId name;
  n:first .guru.extent id;
  .guru.ids:(key[.guru.ids] except name)#.guru.ids;
  .guru.schemas:(key[.guru.schemas] except id)#.guru.schemas;
  .guru.saveCatalog[];
  .guru.memDrop id;
  .guru.removePart each .guru.part[;id] each .guru.hdbDays id;
  .guru.reload[];
  n}

/ ---- series ---------------------------------------------------------------------------
/ (rows; first time; last time) of a series, 0Np when it is empty. Days on disk are sorted by
/ time, so their first and last rows bound them without reading whole columns.
.guru.extent:{[id]
  m:.guru.memTable id;
  if[not null c:.guru.cutoff[]; m:select from m where time>=c];
  ps:.guru.part[;id] each .guru.kept .guru.hdbDays id;
  times:{get .guru.h (.guru.str x),"/time"} each ps;
  n:count[m]+sum count each times;
  if[0=n; :(0;0Np;0Np)];
  bounds:(m`time),raze {(first x;last x)} each times where 0<count each times;
  (n;min bounds;max bounds)}
.guru.series:{[x]
  .guru.chkNil[x;"x"];
  names:asc key .guru.ids;
  if[0=count names;
    :([] name:`symbol$(); columns:(); types:(); tags:(); rows:`long$(); firstTime:`timestamp$(); lastTime:`timestamp$())];
  ids:.guru.ids names;
  sc:.guru.schemas ids;
  ext:.guru.extent each ids;
  ([] name:names;
    columns:sc@\:`name;
    types:sc@\:`type;
    tags:{x[`name] where x`tag} each sc;
    rows:`long$ext[;0];
    firstTime:`timestamp$ext[;1];
    lastTime:`timestamp$ext[;2])}

/ ---- stats ----------------------------------------------------------------------------
.guru.du:{[path] "J"$first "\t" vs first system "du -sb ",path}
.guru.stats:{[x]
  .guru.chkNil[x;"x"];
  ids:value .guru.ids;
  `rows`series`segments`memory!(
    `long$sum first each .guru.extent each ids;
    `long$count ids;
    ([] path:.guru.segs; bytes:.guru.du each .guru.segs);
    .Q.w[]`heap)}
