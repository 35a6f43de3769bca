// A bank's side of the TechFin Coordination API, typed from the published schema (docs/integrators.md).
// `npm run types` writes schema.d.ts from the schema; `npm run check` type-checks this file against it, so
// a change of the API that breaks a bank's integration breaks CI first.
import type { components, paths } from "./schema";

type Schemas = components["schemas"];
type ApiPath = keyof paths;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Schemas["Error"],
  ) {
    super(`${status} ${problem.error.code}: ${problem.error.message}`);
  }
}

export class BankClient {
  private constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  static async signIn(baseUrl: string, username: string, password: string): Promise<BankClient> {
    const body: Schemas["TokenRequestRequest"] = { username, password };
    const response = await fetch(`${baseUrl}/api/v1/auth/token/`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new ApiError(response.status, (await response.json()) as Schemas["Error"]);
    const token = (await response.json()) as Schemas["Token"];
    return new BankClient(baseUrl, token.token);
  }

  /** Referrals waiting for this bank: teasers (no name, credit code or documents) until opened. */
  waiting(): Promise<Schemas["PaginatedScopedReferralList"]> {
    return this.call("GET", "/api/v1/referrals/", { query: "?status=sent&status=opened" });
  }

  open(referral: number): Promise<Schemas["ScopedReferral"]> {
    return this.call("POST", "/api/v1/referrals/{id}/open/", { id: referral, key: `open-${referral}` });
  }

  offer(referral: number, offer: Schemas["OfferInputRequest"]): Promise<Schemas["Offer"]> {
    return this.call("POST", "/api/v1/referrals/{id}/offer/", { id: referral, body: offer, key: `offer-${referral}` });
  }

  decline(referral: number, decline: Schemas["DeclineRequest"]): Promise<Schemas["ScopedReferral"]> {
    return this.call("POST", "/api/v1/referrals/{id}/decline/", {
      id: referral,
      body: decline,
      key: `decline-${referral}`,
    });
  }

  recordFunding(request: number, funding: Schemas["FundingRequest"]): Promise<Schemas["FinancingRequest"]> {
    return this.call("POST", "/api/v1/financing-requests/{id}/record-funding/", {
      id: request,
      body: funding,
      key: `funding-${request}-${funding.tranche ?? "all"}`,
    });
  }

  private async call<T>(
    method: "GET" | "POST",
    path: ApiPath,
    options: { id?: number; query?: string; body?: unknown; key?: string } = {},
  ): Promise<T> {
    const url = this.baseUrl + path.replace("{id}", String(options.id ?? "")) + (options.query ?? "");
    const headers: Record<string, string> = { Authorization: `Bearer ${this.token}` };
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    // The same key replays the first answer instead of acting twice (a retry after a timeout is safe).
    if (options.key !== undefined) headers["Idempotency-Key"] = options.key;
    const response = await fetch(url, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    if (!response.ok) throw new ApiError(response.status, (await response.json()) as Schemas["Error"]);
    return (await response.json()) as T;
  }
}

/** One pass over the queue: open each teaser, offer on credit loans within the bank's appetite, decline the rest. */
export async function reviewQueue(bank: BankClient, validUntil: string): Promise<void> {
  const page = await bank.waiting();
  for (const teaser of page.results) {
    const referral = teaser.status === "sent" ? await bank.open(teaser.id) : teaser;
    if (referral.instrument === "credit_loan" && Number(referral.tranche_amount) <= 5_000_000) {
      await bank.offer(referral.id, {
        amount: referral.tranche_amount,
        annual_rate: "0.0345",
        term_months: 24,
        valid_until: validUntil,
      });
    } else {
      await bank.decline(referral.id, { reason_code: "outside_appetite", note: "Above our credit-loan limit." });
    }
  }
}
