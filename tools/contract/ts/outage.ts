// Request bodies as a TypeScript caller writes them, typed by the types that
// openapi-typescript generates from openapi/openapi.json (build/api.d.ts).
// `tsc --strict` must accept each body that sends only the fields the API
// requires (a field with a default is optional), and must refuse one that
// leaves out a required field (the `@ts-expect-error` lines).
import type { components, paths } from "../build/api";

type Schemas = components["schemas"];
type JsonBody<Operation> = Operation extends {
  requestBody: { content: { "application/json": infer Body } };
}
  ? Body
  : never;

// A tenant: only the id and the name; the zone and the currency default to UTC and USD.
export const tenant = {
  id: "contoso",
  name: "Contoso Ltd",
} satisfies JsonBody<paths["/v1/tenants"]["post"]>;

// The README's tenant, with its own zone and currency.
export const tenantInNewYork = {
  id: "contoso",
  name: "Contoso Ltd",
  timezone: "America/New_York",
  currency: "USD",
} satisfies Schemas["TenantCreate"];

// A policy: id, name, target and tiers; everything else has a default.
export const policy = {
  id: "acme-gold",
  name: "Acme Gold",
  target_percent: "99.9",
  tiers: [{ below_percent: "99.9", credit_percent: "10" }],
} satisfies JsonBody<paths["/v1/policies"]["post"]>;

// A service subscription: the policy and the monthly fee (a decimal string).
export const subscription = {
  policy_id: "microsoft-365",
  monthly_fee: "1200.00",
} satisfies JsonBody<paths["/v1/tenants/{tenant_id}/services/{service_id}"]["put"]>;

// The README's outages: one with only the service and its instants, and a
// maintenance window; kind, impact, users and ids all have defaults.
export const outages = {
  outages: [
    { service_id: "exchange-online", start: "2026-11-10T14:00:00Z", end: "2026-11-10T16:05:30Z" },
    {
      service_id: "exchange-online",
      kind: "maintenance",
      start: "2026-11-10T14:30:00Z",
      end: "2026-11-10T15:00:00Z",
    },
  ],
} satisfies JsonBody<paths["/v1/tenants/{tenant_id}/outages"]["post"]>;

// An outage still going on: no end.
export const ongoing = { service_id: "exchange-online", start: "2026-11-10T14:00:00Z" } satisfies Schemas["OutageIn"];

// A month close needs no body; a claim names the service and the month.
export const claim = {
  service_id: "exchange-online",
  month: "2026-11",
} satisfies JsonBody<paths["/v1/tenants/{tenant_id}/claims"]["post"]>;

// Required fields stay required: each of these must be refused.
// @ts-expect-error `name` is required
export const tenantWithoutName: Schemas["TenantCreate"] = { id: "contoso" };
// @ts-expect-error `monthly_fee` is required
export const subscriptionWithoutFee: Schemas["SubscriptionPut"] = { policy_id: "microsoft-365" };
// @ts-expect-error `start` is required
export const outageWithoutStart: Schemas["OutageIn"] = { service_id: "exchange-online" };

// Money in answers is a decimal string, never a number.
export function creditAmount(report: Schemas["TenantReport"]): string {
  return report.total_credit_amount;
}
export function serviceFee(line: Schemas["ServiceLine"]): string {
  return line.monthly_fee;
}
