/ guru q API on kdb+: errors, argument checks, names and types.
/ Parallel to guru-engine's engine/src/api/args.ts, engine/src/store/schema.ts and
/ engine/src/store/column-types.ts. Every check raises the contract's error words
/ (docs/q-api.md §3): 'guru.type: PATH, 'guru.arg: DETAIL, and so on.

/ ---- errors --------------------------------------------------------------------------
.guru.typeErr:{[path] '("guru.type: ",path)}
.guru.argErr:{[detail] '("guru.arg: ",detail)}
.guru.mismatch:{[detail] '("guru.schema.mismatch: ",detail)}
.guru.invalid:{[detail] '("guru.schema.invalid: ",detail)}
.guru.unknownColumn:{[c] '("guru.column.unknown: ",string c)}

/ ---- argument types (checked exactly: a long is never taken for a timestamp) -----------
.guru.chkNil:{[x;path] if[not (::)~x; .guru.typeErr path]}
.guru.chkSym:{[x;path] if[not -11h=type x; .guru.typeErr path]; x}
.guru.chkTs:{[x;path] if[not -12h=type x; .guru.typeErr path]; x}
.guru.chkLong:{[x;path] if[not -7h=type x; .guru.typeErr path]; x}
.guru.chkStr:{[x;path] if[not 10h=type x; .guru.typeErr path]; x}
/ a symbol atom, a symbol vector, or an empty general list (); always a symbol vector
.guru.chkSyms:{[x;path]
  $[-11h=type x; enlist x;
    11h=type x; x;
    (0h=type x) and 0=count x; `symbol$();
    .guru.typeErr path]}
/ a symbol atom from a fixed set: guru.type if not a symbol, guru.arg if not in the set
.guru.oneOf:{[x;path;allowed]
  .guru.chkSym[x;path];
  if[not x in allowed; .guru.argErr path," ",string x];
  x}
.guru.isList:{(type x) within 0 19h}

/ ---- names (§2): [A-Za-z][A-Za-z0-9_]*, at most 64 characters, not reserved -------------
/ the contract's list: kdb+'s virtual columns date and i, and .Q.res as of the contract
.guru.reserved:`date`i`abs`acos`asin`atan`avg`bin`binr`cor`cos`cov`delete`dev`div`do`enlist`exec`exit`exp`getenv`hopen`if`in`insert`last`like`log`max`min`prd`select`setenv`sin`sqrt`ss`sum`tan`update`var`wavg`while`within`wsum`xexp
.guru.nameChars:.Q.a,.Q.A,.Q.n,"_"
.guru.validName:{[n]
  s:string n;
  $[not count[s] within 1 64; 0b;
    not first[s] in .Q.a,.Q.A; 0b;
    not all s in .guru.nameChars; 0b;
    not n in .guru.reserved]}

/ ---- column types (§2) -----------------------------------------------------------------
.guru.letters:"pbijefsCn"
/ vector type of each letter but C (C is a general list of char vectors)
.guru.vtype:"pbijefsn"!12 1 6 7 8 9 11 16h
/ an empty column of a type letter
.guru.empty:{[l] $[l="C"; (); l$()]}
/ true when v is a column of type letter l
.guru.colOk:{[l;v] $[l="C"; (0h=type v) and all 10h=type each v; (type v)=.guru.vtype l]}
/ the null of a column's type; "" for strings (C has no null)
.guru.nul:{[v] $[0h=type v; ""; first 0#v]}
/ symbols come back from disk enumerated against sym: compare and return them as symbols
.guru.unenum:{[v] $[(type v) within 20 76h; value v; v]}
.guru.unenumT:{[t]
  c:cols[t] where (type each value flip t) within 20 76h;
  $[count c; @[t;c;value]; t]}
