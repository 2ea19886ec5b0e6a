import { strict as assert } from "node:assert";
import fc from "fast-check";
import { collectdLines, numbersAsText } from "../../../api/src/points/collectd-json.js";
import { LineProtocolParser } from "../../../api/src/points/line-protocol.js";
import { collectdBody } from "../../../api/src/points/points-schemas.js";

// What collectd 5.12's write_http (Format "JSON") posted for the load plugin and for exec's
// PUTVAL of a counter and a derive past 2^53, an if_octets pair and an unknown gauge (U).
const SENT =
  '[{"values":[1.541015625,1.83203125,1.36181640625],"dstypes":["gauge","gauge","gauge"],"dsnames":["shortterm","midterm","longterm"],"time":1796634772.792,"interval":1.000,"host":"testhost","plugin":"load","plugin_instance":"","type":"load","type_instance":""},' +
  '{"values":[12345678901234567],"dstypes":["counter"],"dsnames":["value"],"time":1704067200.250,"interval":1.000,"host":"testhost","plugin":"guru","plugin_instance":"x","type":"counter","type_instance":"c"},' +
  '{"values":[100,200],"dstypes":["derive","derive"],"dsnames":["rx","tx"],"time":1704067200.250,"interval":1.000,"host":"testhost","plugin":"guru","plugin_instance":"x","type":"if_octets","type_instance":"eth0"},' +
  '{"values":[null],"dstypes":["gauge"],"dsnames":["value"],"time":1704067200.250,"interval":1.000,"host":"testhost","plugin":"guru","plugin_instance":"x","type":"gauge","type_instance":"nan"},' +
  '{"values":[-9007199254740993],"dstypes":["derive"],"dsnames":["value"],"time":1704067200.250,"interval":1.000,"host":"testhost","plugin":"guru","plugin_instance":"x","type":"derive","type_instance":"d"},' +
  '{"values":[42],"dstypes":["absolute"],"dsnames":["value"],"time":1704067200.250,"interval":1.000,"host":"testhost","plugin":"guru","plugin_instance":"x","type":"absolute","type_instance":"a"}]';

function lines(text: string) {
  return collectdLines(collectdBody.parse(JSON.parse(text)), JSON.parse(numbersAsText(text)));
}

describe("collectd's write_http JSON as line protocol", () => {
  it("maps collectd's own body: series, tags, typed fields, exact integers and times", () => {
    const made = lines(SENT);
    assert.deepEqual(made.body.toString().split("\n"), [
      "load,host=testhost,plugin=load,type=load shortterm=1.541015625,midterm=1.83203125,longterm=1.36181640625 1796634772792000000",
      "guru_counter,host=testhost,plugin=guru,plugin_instance=x,type=counter,type_instance=c value=12345678901234567u 1704067200250000000",
      "guru_if_octets,host=testhost,plugin=guru,plugin_instance=x,type=if_octets,type_instance=eth0 rx=100i,tx=200i 1704067200250000000",
      "guru_derive,host=testhost,plugin=guru,plugin_instance=x,type=derive,type_instance=d value=-9007199254740993i 1704067200250000000",
      "guru_absolute,host=testhost,plugin=guru,plugin_instance=x,type=absolute,type_instance=a value=42u 1704067200250000000",
      "",
    ]);
    assert.deepEqual(made.positions, [1, 2, 3, 5, 6], "the unknown gauge makes no line");
    assert.deepEqual(made.refused, []);
    assert.deepEqual(made.series.get("load"), {
      tags: ["host", "plugin", "plugin_instance", "type", "type_instance"],
      fields: new Map([
        ["shortterm", "float"],
        ["midterm", "float"],
        ["longterm", "float"],
      ]),
    });
    assert.deepEqual(
      [...made.series.get("guru_if_octets")!.fields],
      [
        ["rx", "integer"],
        ["tx", "integer"],
      ],
    );
    assert.deepEqual([...made.series.get("guru_counter")!.fields], [["value", "unsigned"]]);
  });

  it("refuses a value list that cannot be a line, by position, keeping the others", () => {
    const base = JSON.parse(SENT) as Record<string, unknown>[];
    const body = [
      { ...base[1], values: [1, 2] }, // two values, one data source
      { ...base[1], host: "a\nb" },
      { ...base[1], plugin: "my-plugin" },
      { ...base[1], values: [null] }, // a counter cannot be unknown
      base[5],
      { ...base[2], dsnames: ["rx", "t x"] },
    ];
    const made = lines(JSON.stringify(body));
    assert.deepEqual(
      made.refused.map((r) => r.line),
      [1, 2, 3, 4, 6],
    );
    assert.match(made.refused[0]!.reason, /2 values, 1 dstypes and 1 dsnames/);
    assert.match(made.refused[2]!.reason, /series "my-plugin_counter"/);
    assert.deepEqual(made.positions, [5]);
  });

  it("escapes tag values as line protocol does, and the parser reads them back", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("a", " ", ",", "=", "\\", "é", '"') }), (host) => {
        const body = [{ ...(JSON.parse(SENT) as object[])[5], host: `h${host}` }];
        const made = lines(JSON.stringify(body));
        let seen: string | undefined;
        new LineProtocolParser().parse(made.body, {
          line: (l) => {
            seen = l.tagValue(0);
          },
          error: (_n, reason) => assert.fail(reason),
        });
        assert.equal(seen, `h${host}`);
      }),
    );
  });

  it("reads numbers as their text, strings untouched", () => {
    const text = '[{"a":"-1 \\"2\\" 3e4","b":-12345678901234567890.5e-3,"c":[0,1.25,null]}]';
    assert.deepEqual(JSON.parse(numbersAsText(text)), [
      { a: '-1 "2" 3e4', b: "-12345678901234567890.5e-3", c: ["0", "1.25", null] },
    ]);
  });
});
