import { strict as assert } from "node:assert";
import { ACCOUNT_ID_LENGTH, ID_PATTERN, newAccountId } from "../../../api/src/ids.js";
import { resourceName } from "../../../api/src/provisioning/kubernetes-provisioner.js";
import { isValidDatabaseName } from "../../../crds/src/index.js";

describe("api: account ids", () => {
  it("always make valid KdbDatabase names with any valid database name", () => {
    const longest = `a${"b".repeat(38)}c`;
    for (let i = 0; i < 2000; i++) {
      const accountId = newAccountId();
      assert.equal(accountId.length, ACCOUNT_ID_LENGTH);
      assert.match(accountId, ID_PATTERN);
      for (const name of ["ab", longest]) {
        const resource = resourceName({ accountId, name });
        assert.ok(isValidDatabaseName(resource), `${resource} is not a valid KdbDatabase name`);
      }
    }
  });
});
