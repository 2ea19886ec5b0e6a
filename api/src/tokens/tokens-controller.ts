import { type AnyRoute, route } from "../http/route.js";
import { pageQuerySchema } from "../openapi/registry.js";
import {
  createdTokenSchema,
  createTokenBody,
  tokenPageSchema,
  tokenParams,
  tokenSchema,
  tokensParams,
  whoamiSchema,
} from "./tokens-schemas.js";
import type { TokensService } from "./tokens-service.js";

const TAG = "Tokens";

export function tokensRoutes(service: TokensService): AnyRoute[] {
  return [
    route({
      method: "get",
      path: "/v1/whoami",
      operationId: "whoami",
      summary: "The caller's token: id, account and scopes",
      tag: TAG,
      responses: { 200: { description: "The caller", schema: whoamiSchema } },
      handler: async ({ principal }) => ({
        status: 200,
        body: { tokenId: principal.tokenId, accountId: principal.accountId, scopes: [...principal.scopes] },
      }),
    }),
    route({
      method: "post",
      path: "/v1/accounts/:accountId/tokens",
      operationId: "createToken",
      summary: "Create a token; its secret is in this reply only (account:admin)",
      tag: TAG,
      params: tokensParams,
      body: createTokenBody,
      responses: {
        201: { description: "Created", schema: createdTokenSchema, headers: { Location: "the token's URL" } },
      },
      handler: async ({ principal, params, body }) => {
        const created = await service.create(principal, params.accountId, body);
        return {
          status: 201,
          body: created,
          headers: {
            Location: `/v1/accounts/${params.accountId}/tokens/${created.token.id}`,
            "Cache-Control": "no-store",
          },
        };
      },
    }),
    route({
      method: "get",
      path: "/v1/accounts/:accountId/tokens",
      operationId: "listTokens",
      summary: "List an account's tokens, revoked and expired ones included (account:admin)",
      tag: TAG,
      params: tokensParams,
      query: pageQuerySchema,
      responses: { 200: { description: "A page of tokens", schema: tokenPageSchema } },
      handler: async ({ principal, params, query }) => ({
        status: 200,
        body: await service.list(principal, params.accountId, query.limit, query.cursor),
      }),
    }),
    route({
      method: "get",
      path: "/v1/accounts/:accountId/tokens/:tokenId",
      operationId: "getToken",
      summary: "Get a token (account:admin)",
      tag: TAG,
      params: tokenParams,
      responses: { 200: { description: "The token", schema: tokenSchema } },
      handler: async ({ principal, params }) => ({
        status: 200,
        body: await service.get(principal, params.accountId, params.tokenId),
      }),
    }),
    route({
      method: "delete",
      path: "/v1/accounts/:accountId/tokens/:tokenId",
      operationId: "revokeToken",
      summary: "Revoke a token, at once on every API instance (account:admin)",
      tag: TAG,
      params: tokenParams,
      responses: { 204: { description: "Revoked (also when it already was)" } },
      handler: async ({ principal, params }) => {
        await service.revoke(principal, params.accountId, params.tokenId);
        return { status: 204 };
      },
    }),
  ];
}
