/ guru q API on kdb+: the options dict of .guru.query, checked into a spec.
/ Parallel to guru-engine's engine/src/api/query-options.ts (and query/predicates.ts for `where`).
/ Nothing here builds q text: conditions become parse trees of functions and enlisted values.

.guru.optionKeys:`start`end`columns`where`by`bucket`agg`fill`limit`cursor`order
.guru.ops:`$("=";"<>";"<";"<=";">";">=";"in";"within";"like")
.guru.EQ:`$"="
.guru.NE:`$"<>"
.guru.opFns:.guru.ops!(=;<>;<;<=;>;>=;in;within;like)
.guru.aggFns:`first`last`min`max`sum`avg`dev`med`count
.guru.aggTypes:.guru.aggFns!("pbijefsCn";"pbijefsCn";"bijefpn";"bijefpn";"bijefn";"bijefn";"ijefn";"ijefn";"pbijefsCn")

/ the options argument as a dict (:: and ()!() mean none); checked before the series is looked up
.guru.optionsDict:{[o]
  if[(::)~o; :()!()];
  if[not 99h=type o; .guru.typeErr "options"];
  k:key o;
  if[(0h=type k) and 0=count k; :()!()];
  if[not 11h=type k; .guru.typeErr "options"];
  if[not count[k]=count distinct k; .guru.argErr "options: a key given twice"];
  if[count u:k except .guru.optionKeys; .guru.argErr "options.",string first u];
  o}

/ ---- where (engine: query/predicates.ts) -----------------------------------------------
.guru.opAllowed:{[op;l]
  $[op=`like; l in "sC";
    op in `$("<";"<=";">";">=";"within"); not l in "bC";
    1b]}
/ an atom of the column's type (a char vector for C)
.guru.atomValue:{[l;v]
  if[not $[l="C"; 10h=type v; (type v)=neg .guru.vtype l]; .guru.typeErr "options.where"];
  v}
/ a vector of the column's type (C: a general list of char vectors); () is empty of any type
.guru.listValue:{[l;op;v]
  v:$[(0h=type v) and 0=count v; .guru.empty l;
      l="C"; $[(0h=type v) and all 10h=type each v; v; .guru.typeErr "options.where"];
      (type v)=.guru.vtype l; v;
      .guru.typeErr "options.where"];
  if[(op=`within) and not 2=count v; .guru.argErr "options.where: within takes 2 values"];
  if[100000<count v; .guru.argErr "options.where: in takes at most 100000 values"];
  v}
.guru.condValue:{[l;op;v]
  if[op=`like; :.guru.chkStr[v;"options.where"]];
  if[op in `in`within; :.guru.listValue[l;op;v]];
  .guru.atomValue[l;v]}
.guru.strEq:{[col;s] col~\:s}
.guru.strIn:{[col;vals] (vals?col)<count vals}
/ the parse tree of a checked condition. Values are enlisted so they are never read as column
/ names; symbols from disk are compared as symbols (by text), strings with match.
.guru.tree:{[l;op;c;v]
  if[l="C";
    :$[op=.guru.EQ; (.guru.strEq;c;enlist v);
       op=.guru.NE; (not;(.guru.strEq;c;enlist v));
       op=`in; (.guru.strIn;c;enlist v);
       (like;c;enlist v)]];
  col:$[l="s"; (.guru.unenum;c); c];
  (.guru.opFns op;col;enlist v)}
.guru.condition:{[id;x]
  if[not .guru.isList x; .guru.typeErr "options.where"];
  if[not 3=count x; .guru.typeErr "options.where"];
  c:.guru.chkSym[x 0;"options.where"];
  op:.guru.chkSym[x 1;"options.where"];
  l:.guru.letter[id;c];
  if[not op in .guru.ops; .guru.argErr "options.where: unknown op ",string op];
  if[not .guru.opAllowed[op;l]; .guru.argErr "options.where: ",string[op]," on ",string c];
  .guru.tree[l;op;c;.guru.condValue[l;op;x 2]]}
.guru.where:{[id;w]
  if[not .guru.isList w; .guru.typeErr "options.where"];
  if[64<count w; .guru.argErr "options.where takes at most 64 conditions"];
  .guru.condition[id] each w}

/ ---- columns, by, agg ------------------------------------------------------------------
.guru.noDuplicates:{[names;path] if[not count[names]=count distinct names; .guru.argErr path,": a name given twice"]}
.guru.outColumns:{[id;v]
  cs:.guru.chkSyms[v;"options.columns"];
  .guru.noDuplicates[cs;"options.columns"];
  .guru.letter[id] each cs;
  cs except `time}
.guru.byColumns:{[id;v]
  cs:.guru.chkSyms[v;"options.by"];
  .guru.noDuplicates[cs;"options.by"];
  .guru.letter[id] each cs;
  if[not all .guru.isTag[id] each cs; .guru.argErr "options.by takes tags only"];
  cs}
.guru.aggPair:{[id;p]
  if[not .guru.isList p; .guru.typeErr "options.agg"];
  if[not 2=count p; .guru.typeErr "options.agg"];
  f:.guru.oneOf[p 0;"options.agg";.guru.aggFns];
  c:.guru.chkSym[p 1;"options.agg"];
  l:.guru.letter[id;c];
  if[not l in .guru.aggTypes f; .guru.argErr "options.agg: ",string[f]," of ",string c];
  (f;c)}
.guru.agg:{[id;a]
  if[not 99h=type a; .guru.typeErr "options.agg"];
  if[not 11h=type key a; .guru.typeErr "options.agg"];
  outs:key a;
  if[not count[outs] within 1 64; .guru.argErr "options.agg takes 1 to 64 outputs"];
  .guru.noDuplicates[outs;"options.agg"];
  outs!.guru.aggPair[id] each value a}

/ ---- the spec ---------------------------------------------------------------------------
.guru.positive:{[v;t;path] if[not t=type v; .guru.typeErr path]; if[not v>0; .guru.argErr path," must be positive"]; v}
.guru.spec:{[id;o]
  has:key o;
  s:`id`start`end`columns`where`by`bucket`agg`fill`order`limit`cursor`paged!
    (id;0Np;0Np;1_.guru.schemas[id]`name;();`symbol$();0Nn;()!();`none;`asc;0N;"";0b);
  if[`start in has; s[`start]:.guru.chkTs[o`start;"options.start"]];
  if[`end in has; s[`end]:.guru.chkTs[o`end;"options.end"]];
  if[`columns in has; s[`columns]:.guru.outColumns[id;o`columns]];
  if[`where in has; s[`where]:.guru.where[id;o`where]];
  if[`by in has; s[`by]:.guru.byColumns[id;o`by]];
  if[`bucket in has; s[`bucket]:.guru.positive[o`bucket;-16h;"options.bucket"]];
  if[`agg in has; s[`agg]:.guru.agg[id;o`agg]];
  if[`fill in has; s[`fill]:.guru.oneOf[o`fill;"options.fill";`none`null`prev`linear`zero]];
  if[`order in has; s[`order]:.guru.oneOf[o`order;"options.order";`asc`desc]];
  if[`limit in has; s[`limit]:.guru.positive[o`limit;-7h;"options.limit"]];
  if[`cursor in has; s[`cursor]:.guru.chkStr[o`cursor;"options.cursor"]];
  s[`paged]:any `limit`cursor in has;
  aggregated:0<count s`agg;
  if[(not aggregated) and (0<count s`by) or not null s`bucket; .guru.argErr "options.agg is required with by or bucket"];
  if[aggregated and `columns in has; .guru.argErr "options.columns applies to raw queries only"];
  if[(not `none=s`fill) and null s`bucket; .guru.argErr "options.fill needs options.bucket"];
  if[aggregated;
    outs:key s`agg;
    if[not all .guru.validName each outs; .guru.argErr "options.agg: bad output name"];
    if[any outs in `time,s`by; .guru.argErr "options.agg: an output named time or as a by column"]];
  s}
