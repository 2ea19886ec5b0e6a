/ guru q API on kdb+: fill of bucketed results (docs/q-api.md, fill).
/ Parallel to guru-engine's engine/src/query/fill.ts.

/ Every group present (the one group without by) gets every bucket from `bucket xbar start`
/ (or the earliest bucket present) to the bucket of `end - 1` (or the latest present). Slots are
/ laid out group by group, k = 0..n-1 within each, so neighbours in time are neighbours in a row.

/ the zero of an output's type; symbols, strings and timestamps stay null
.guru.zero:{[e] $[(type e) in -11 -12 10h; e; (abs type e)$0]}
/ per slot: the index of the previous (next) non-empty slot of the same group, or 0N
.guru.prevSlot:{[p;n] raze {[row;o] o+fills ?[row;til count row;0N]}'[(0N;n)#p; n*til count[p] div n]}
.guru.nextSlot:{[p;n] raze {[row;o] o+reverse (count[row]-1)-fills ?[reverse row;til count row;0N]}'[(0N;n)#p; n*til count[p] div n]}
/ a + ((b - a) * dk) % span in float arithmetic for e f; with floored div for i j p n
.guru.interpolate:{[a;b;dk;span;t]
  if[t in 8 9h; fa:"f"$a; :t$fa+((("f"$b)-fa)*dk)%span];
  la:`long$a;
  t$la+(((`long$b)-la)*dk) div span}
/ one output column over all slots. ctx: present flags p, slots per group n, mode, and idx, the
/ row of r filling each present slot. e: the output's value for an empty group (fill null).
.guru.fillColumn:{[ctx;col;e]
  p:ctx`p; mode:ctx`mode;
  / linear leaves what it cannot interpolate null, count and sum too (as InfluxDB's fill(linear))
  if[(mode=`linear) and 0>type e; e:first 0#enlist e];
  v:@[count[p]#enlist e; where p; :; col ctx[`idx] where p];
  if[mode=`null; :v];
  if[mode=`zero; :@[v; where not p; :; .guru.zero e]];
  pk:.guru.prevSlot[p;ctx`n];
  if[mode=`prev; m:where (not p) & not null pk; :@[v; m; :; v pk m]];
  if[not (abs type e) in 6 7 8 9 12 16h; :v];
  nk:.guru.nextSlot[p;ctx`n];
  m:where (not p) & (not null pk) & not null nk;
  if[0=count m; :v];
  @[v; m; :; .guru.interpolate[v pk m; v nk m; m-pk m; (nk m)-pk m; abs type e]]}
.guru.fill:{[r;empty;spec]
  w:spec`bucket; grp:spec`by; s:spec`start; e:spec`end;
  if[(0=count r) and (null s) or null e; :r];
  lo:$[null s; min r`time; w xbar s];
  hi:$[null e; max r`time; w xbar e-1];
  if[hi<lo; :0#r];
  n:1+(`long$hi-lo) div `long$w;
  groups:$[count grp; grp xasc distinct grp#r; ()];
  g:$[count grp; count groups; 1];
  .guru.tooMany n;
  .guru.tooMany n*g;
  if[0=g; :0#r];
  slot:til g*n;
  grid:([] time:lo+w*slot mod n);
  if[count grp; grid:grid,'groups slot div n];
  kc:`time,grp;
  idx:(kc#r)?kc#grid;
  ctx:`p`n`mode`idx!(idx<count r; n; spec`fill; idx);
  outs:key empty;
  grid,'flip outs!{[ctx;r;empty;o] .guru.fillColumn[ctx; r o; empty o]}[ctx;r;empty] each outs}
