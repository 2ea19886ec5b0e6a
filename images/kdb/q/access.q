/ guru q API on kdb+: who may connect and what they may call.
/ Parallel to guru-engine's engine/src/api/dispatch.ts, engine/src/credentials.ts and
/ engine/src/http-server.ts. Nothing a client sends is ever evaluated as q: only the fourteen
/ names below can be called, with their typed arguments (kdb-ipc.md §4.3, §4.4).

/ ---- logins: user:password lines, the same file kdb+ checks with -U ------------------------
.guru.readCredentials:{[f]
  lines:read0 .guru.h f;
  lines:lines where (0<count each lines) & not "#"=first each lines;
  i:lines?\:":";
  lines:lines where i<count each lines;
  i:lines?\:":";
  (`$i#'lines)!(1+i)_'lines}
.z.pw:{[user;password] $[user in key .guru.credentials; password~.guru.credentials user; 0b]}

/ ---- calls: (name; args...) with the name a symbol or a char vector (docs/q-api.md §1) ------
.guru.api:`.guru.ping`.guru.create`.guru.drop`.guru.series`.guru.write`.guru.query`.guru.last`.guru.delete`.guru.stats`.guru.retention`.guru.retain`.guru.snapshot`.guru.snapshotRead`.guru.snapshotFree!1 2 1 1 2 2 2 3 1 1 1 1 3 1
.guru.call:{[x]
  / q text ("1+1", "\\l ."), bare symbols and other typed lists are refused; a symbol vector is
  / h(`f;`a) collapsed by q into `f`a, the same call with symbol arguments
  if[not (type x) in 0 11h; '"access"];
  if[0=count x; '"access"];
  f:first x;
  f:$[-11h=type f; f; 10h=type f; `$f; '"access"];
  if[not f in key .guru.api; '"access"];  / .z.pg, value, system, .Q.*, other .guru names...
  if[not (count x)=1+.guru.api f; '"rank"];
  (get f) . 1_x}
.z.pg:{[x] .guru.call x}
/ async calls run the same way, with no reply: failures are only logged
.z.ps:{[x] @[.guru.call; x; {-2 "guru: async call failed: ",x;}];}

/ ---- HTTP on the same port: health answers only -----------------------------------------
.z.ph:{[x]
  path:`$first "?" vs x 0;
  $[path=`healthz; .h.hy[`json] "{\"status\":\"ok\"}";
    path=`readyz; $[.guru.ready; .h.hy[`json] "{\"status\":\"ready\"}"; .h.hn["503 Service Unavailable";`txt;"starting"]];
    .h.hn["404 Not Found";`txt;"not found"]]}
.z.pp:{[x] .h.hn["403 Forbidden";`txt;"forbidden"]}
.z.ws:{[x] hclose .z.w}
