package sandbox

// The JavaScript modules of the seeded world. Every user script uses one of
// a few templates, and every script of a template shares one []byte, so that
// 100,000 seeded scripts cost kilobytes of source, not megabytes. Handlers
// replace Module.Content on upload; they never modify it in place.

// scriptTemplate is a user-script body and the handlers it exports.
type scriptTemplate struct {
	content  []byte
	handlers []string
}

// newTemplates returns the user-script templates by service. Each call
// returns fresh slices (the world owns them).
func newTemplates() map[string]*scriptTemplate {
	fetch := []string{"fetch"}
	api := &scriptTemplate{content: []byte(apiModule), handlers: fetch}
	site := &scriptTemplate{content: []byte(siteModule), handlers: fetch}
	hook := &scriptTemplate{content: []byte(webhookModule), handlers: fetch}
	cron := &scriptTemplate{content: []byte(cronModule), handlers: []string{"fetch", "scheduled"}}
	return map[string]*scriptTemplate{
		"api": api, "auth": api, "gateway": api, "search": api,
		"edge": site, "images": site, "web": site,
		"webhook": hook, "billing": hook, "queue": hook,
		"cron": cron, "worker": cron,
	}
}

const apiModule = `export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/health") {
      return Response.json({ ok: true, env: env.ENVIRONMENT });
    }
    const upstream = new URL(url.pathname + url.search, "https://origin.internal");
    const resp = await fetch(upstream, request);
    return new Response(resp.body, resp);
  },
};
`

const siteModule = `export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (env.CACHE) {
      const hit = await env.CACHE.get("page:" + url.pathname);
      if (hit) return new Response(hit, { headers: { "content-type": "text/html" } });
    }
    return new Response("<!doctype html><h1>Hello from the edge</h1>", {
      headers: { "content-type": "text/html; charset=utf-8" },
    });
  },
};
`

const webhookModule = `export default {
  async fetch(request, env) {
    if (request.method !== "POST") return new Response("method not allowed", { status: 405 });
    const body = await request.text();
    const sig = request.headers.get("x-signature") || "";
    if (env.WEBHOOK_SECRET && sig.length === 0) return new Response("unsigned", { status: 401 });
    if (env.EVENTS) await env.EVENTS.send({ received: Date.now(), size: body.length });
    return new Response(null, { status: 202 });
  },
};
`

const cronModule = `export default {
  async fetch(request, env) {
    return Response.json({ job: "sync", env: env.ENVIRONMENT });
  },
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(fetch("https://origin.internal/jobs/sync", { method: "POST" }));
  },
};
`

// dispatcherModule is the platform's dispatch Worker: it resolves the
// tenant from the ROUTING table and dispatches into the namespace with the
// tenant's tier limits.
const dispatcherModule = `const TIERS_TTL = 60;

async function resolve(env, url) {
  let route = await env.ROUTING.get("hostname:" + url.hostname, { cacheTtl: TIERS_TTL });
  if (!route) {
    const label = url.hostname.split(".")[0];
    route = await env.ROUTING.get("subdomain:" + label, { cacheTtl: TIERS_TTL });
  }
  if (!route) return null;
  return route.startsWith("{") ? JSON.parse(route) : { worker: route };
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const route = await resolve(env, url);
    if (!route) return new Response("no such tenant", { status: 404 });
    const tiers = await env.ROUTING.get("tiers", { type: "json", cacheTtl: TIERS_TTL });
    const limits = (tiers && tiers[route.tier]) || (tiers && tiers.free) || {};
    ctx.waitUntil(env.ROUTING.put("last-used:" + route.worker, String(Date.now())));
    try {
      const worker = env.DISPATCHER.get(route.worker, {}, {
        limits: { cpuMs: limits.cpuMs, subRequests: limits.subRequests },
        outbound: { tenant: route.worker },
      });
      return await worker.fetch(request);
    } catch (e) {
      if (e.message.startsWith("Worker not found")) {
        return new Response("tenant worker missing", { status: 502 });
      }
      throw e;
    }
  },
};
`

// outboundModule is the outbound Worker every tenant fetch passes through.
const outboundModule = `const BLOCKED = ["169.254.169.254", "metadata.google.internal"];

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (BLOCKED.includes(url.hostname)) {
      return new Response("blocked by platform egress policy", { status: 403 });
    }
    const headers = new Headers(request.headers);
    headers.set("x-platform-tenant", env.tenant || "unknown");
    return fetch(new Request(request, { headers }));
  },
};
`
