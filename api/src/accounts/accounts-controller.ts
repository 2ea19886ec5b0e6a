import { type AnyRoute, route } from "../http/route.js";
import { pageQuerySchema } from "../openapi/registry.js";
import {
  accountPageSchema,
  accountParams,
  accountSchema,
  createAccountBody,
  updateAccountBody,
} from "./accounts-schemas.js";
import type { AccountsService } from "./accounts-service.js";

const TAG = "Accounts";

export function accountsRoutes(service: AccountsService): AnyRoute[] {
  return [
    route({
      method: "post",
      path: "/v1/accounts",
      operationId: "createAccount",
      summary: "Create an account (platform:admin)",
      tag: TAG,
      body: createAccountBody,
      responses: {
        201: { description: "Created", schema: accountSchema, headers: { Location: "the account's URL" } },
      },
      handler: async ({ principal, body }) => {
        const account = await service.create(principal, body);
        return { status: 201, body: account, headers: { Location: `/v1/accounts/${account.id}` } };
      },
    }),
    route({
      method: "get",
      path: "/v1/accounts",
      operationId: "listAccounts",
      summary: "List accounts (platform:admin)",
      tag: TAG,
      query: pageQuerySchema,
      responses: { 200: { description: "A page of accounts", schema: accountPageSchema } },
      handler: async ({ principal, query }) => ({
        status: 200,
        body: await service.list(principal, query.limit, query.cursor),
      }),
    }),
    route({
      method: "get",
      path: "/v1/accounts/:accountId",
      operationId: "getAccount",
      summary: "Get an account: its quotas and usage (its own tokens, or platform:admin)",
      tag: TAG,
      params: accountParams,
      responses: { 200: { description: "The account", schema: accountSchema } },
      handler: async ({ principal, params }) => ({
        status: 200,
        body: await service.get(principal, params.accountId),
      }),
    }),
    route({
      method: "patch",
      path: "/v1/accounts/:accountId",
      operationId: "updateAccount",
      summary: "Rename an account or change its quotas (platform:admin)",
      tag: TAG,
      params: accountParams,
      body: updateAccountBody,
      responses: { 200: { description: "The account as updated", schema: accountSchema } },
      handler: async ({ principal, params, body }) => ({
        status: 200,
        body: await service.update(principal, params.accountId, body),
      }),
    }),
    route({
      method: "delete",
      path: "/v1/accounts/:accountId",
      operationId: "deleteAccount",
      summary: "Delete an account without databases, and its tokens (platform:admin)",
      tag: TAG,
      params: accountParams,
      responses: { 204: { description: "Deleted" } },
      handler: async ({ principal, params }) => {
        await service.delete(principal, params.accountId);
        return { status: 204 };
      },
    }),
  ];
}
