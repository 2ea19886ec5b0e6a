/**
 * The single table's keys. Everything of an account lives in its partition, so listing is one
 * strongly consistent Query; series live in their database's partition; the sparse index `gsi1`
 * holds the list of accounts and the provisioning work queue of each region.
 *
 * | item        | pk                          | sk                  | gsi1pk          | gsi1sk              |
 * |-------------|-----------------------------|---------------------|-----------------|---------------------|
 * | account     | ACCOUNT#<accountId>         | ACCOUNT             | ACCOUNTS        | <accountId>         |
 * | token       | ACCOUNT#<accountId>         | TOKEN#<tokenId>     |                 |                     |
 * | database    | ACCOUNT#<accountId>         | DATABASE#<name>     | WORK#<region> * | <accountId>#<name>  |
 * | series      | DATABASE#<accountId>#<name> | SERIES#<series>     |                 |                     |
 * | idempotency | IDEMPOTENCY#<accountId>#<k> | IDEMPOTENCY         |                 |                     |
 * | job         | ACCOUNT#<accountId>         | JOB#<jobId>         |                 |                     |
 * | backup      | ACCOUNT#<accountId>         | BACKUP#<db>#<id>    |                 |                     |
 * | schedule    | ACCOUNT#<accountId>         | SCHEDULE#<db>       | BACKUP_SCHEDULES| <accountId>#<db>    |
 * | bootstrap   | SYSTEM                      | BOOTSTRAP           |                 |                     |
 *
 * (*) only while the database has work to do (pending, provisioning, updating, deleting).
 */

export interface Key {
  pk: string;
  sk: string;
}

export const INDEX_GSI1 = "gsi1";

export const keys = {
  account: (accountId: string): Key => ({ pk: `ACCOUNT#${accountId}`, sk: "ACCOUNT" }),
  accountPartition: (accountId: string): string => `ACCOUNT#${accountId}`,
  accountsIndex: "ACCOUNTS",
  token: (accountId: string, tokenId: string): Key => ({
    pk: `ACCOUNT#${accountId}`,
    sk: `TOKEN#${tokenId}`,
  }),
  tokenPrefix: "TOKEN#",
  database: (accountId: string, name: string): Key => ({
    pk: `ACCOUNT#${accountId}`,
    sk: `DATABASE#${name}`,
  }),
  databasePrefix: "DATABASE#",
  workIndex: (region: string): string => `WORK#${region}`,
  seriesPartition: (accountId: string, database: string): string => `DATABASE#${accountId}#${database}`,
  series: (accountId: string, database: string, series: string): Key => ({
    pk: `DATABASE#${accountId}#${database}`,
    sk: `SERIES#${series}`,
  }),
  seriesPrefix: "SERIES#",
  idempotency: (accountId: string, key: string): Key => ({
    pk: `IDEMPOTENCY#${accountId}#${key}`,
    sk: "IDEMPOTENCY",
  }),
  job: (accountId: string, jobId: string): Key => ({ pk: `ACCOUNT#${accountId}`, sk: `JOB#${jobId}` }),
  bootstrap: { pk: "SYSTEM", sk: "BOOTSTRAP" } as Key,
};
