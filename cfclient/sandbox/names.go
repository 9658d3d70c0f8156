package sandbox

import (
	"math/rand/v2"
	"strconv"
)

// persona is one generated user script: its name and the facts about its
// owner that end up in its tags and routes.
type persona struct {
	name     string
	customer string // customer id for the customer-<id> tag; "" when none
	team     string // owning internal team (team-<team> tag); "" for customers
	service  string // what the script does; also its project-<service> tag
	env      string // environment-<env> tag
	pr       int    // pull request of a preview script; 0 otherwise
}

// nameGen draws realistic, unique user-script names in the shapes a
// multi-tenant platform accumulates (see shared/bench/names-100k.txt):
//
//	tenant-29147-edge-canary      a customer's script (about 56%)
//	user_script_558757_prod       a legacy self-serve script (11%)
//	pr-3238-preview-webhook       a pull-request preview (11%)
//	acme-corp-webhook-582390      a large customer's script (11%)
//	payments-gateway-staging-18   an internal team's script (11%)
type nameGen struct {
	rng       *rand.Rand
	envs      []string // environments to draw from; repeats act as weights
	services  []string
	teams     []string
	companies []string
	customers int                 // size of the tenant-<id> customer pool
	seen      map[string]struct{} // a set: no value keeps a million-name table smaller
}

// newNameGen returns a generator for about n names drawn from envs.
func newNameGen(rng *rand.Rand, n int, envs []string) *nameGen {
	return &nameGen{
		rng:  rng,
		envs: envs,
		services: []string{"api", "auth", "billing", "cron", "edge", "gateway",
			"images", "queue", "search", "web", "webhook", "worker"},
		teams: []string{"ads", "growth", "identity", "infra", "media",
			"payments", "platform", "support"},
		companies: []string{"acme", "cyberdyne", "globex", "hooli", "initech",
			"stark", "tyrell", "umbrella", "wayne", "wonka"},
		// A third as many customers as scripts: most customers run a few
		// scripts each, which is what customer-<id> tag filters are for.
		customers: max(50, min(n/3, 100000)),
		seen:      make(map[string]struct{}, n),
	}
}

// next returns a persona whose name this generator has not returned before.
func (g *nameGen) next() persona {
	for {
		p := g.draw()
		if _, dup := g.seen[p.name]; !dup {
			g.seen[p.name] = struct{}{}
			return p
		}
	}
}

// unused returns a plausible name that next has not returned (and will not,
// since it is marked seen): a tenant that was deleted but is still routed.
func (g *nameGen) unused() string { return g.next().name }

func (g *nameGen) draw() persona {
	r := g.rng
	svc := g.services[r.IntN(len(g.services))]
	env := g.envs[r.IntN(len(g.envs))]
	switch roll := r.IntN(100); {
	case roll < 56:
		// customerID is a bijection of the pool index onto 00000..99999,
		// so ids look random but a pool index always maps to one id.
		id := leftPad(strconv.Itoa((r.IntN(g.customers)*48271+1234)%100000), 5)
		return persona{name: "tenant-" + id + "-" + svc + "-" + env, customer: id, service: svc, env: env}
	case roll < 67:
		id := strconv.Itoa(100000 + r.IntN(900000))
		return persona{name: "user_script_" + id + "_" + env, customer: id, service: "worker", env: env}
	case roll < 78:
		pr := 1 + r.IntN(20000)
		return persona{name: "pr-" + strconv.Itoa(pr) + "-preview-" + svc, service: svc, env: "preview", pr: pr}
	case roll < 89:
		co := g.companies[r.IntN(len(g.companies))]
		var suffix string
		if r.IntN(2) == 0 {
			suffix = leftPad(strconv.FormatUint(r.Uint64N(1<<24), 16), 6)
		} else {
			suffix = strconv.Itoa(100000 + r.IntN(900000))
		}
		return persona{name: co + "-corp-" + svc + "-" + suffix, customer: co + "-corp", service: svc, env: "prod"}
	default:
		team := g.teams[r.IntN(len(g.teams))]
		n := strconv.Itoa(1 + r.IntN(20))
		return persona{name: team + "-" + svc + "-" + env + "-" + n, team: team, service: svc, env: env}
	}
}

// leftPad pads s with zeros to width.
func leftPad(s string, width int) string {
	for len(s) < width {
		s = "0" + s
	}
	return s
}
