package cfclient

import (
	"context"
	"fmt"
	"strings"
)

// Role is what an Actor may change. The zero value is RoleAdmin, the role
// of a console on the operator's own terminal (the token's owner): a role
// only ever takes rights away.
type Role int

// The roles, from most to least allowed.
const (
	// RoleAdmin may make every change, including creating, renaming and
	// deleting dispatch namespaces and defining the tier table.
	RoleAdmin Role = iota
	// RoleOperator may edit scripts, routes and KV and run bulk jobs, but
	// not the namespaces themselves nor the tier table.
	RoleOperator
	// RoleViewer may only read (the support role; like --read-only).
	RoleViewer
)

// String is the role's name as the config writes it.
func (r Role) String() string {
	switch r {
	case RoleOperator:
		return "operator"
	case RoleViewer:
		return "viewer"
	}
	return "admin"
}

// ParseRole reads a role's name (viewer, operator, admin).
func ParseRole(s string) (Role, error) {
	switch s {
	case "viewer":
		return RoleViewer, nil
	case "operator":
		return RoleOperator, nil
	case "admin":
		return RoleAdmin, nil
	}
	return 0, fmt.Errorf("role must be viewer, operator or admin (got %q)", s)
}

// AdminOnly reports whether an operation (a gate op such as
// "namespace.delete" or "tiers.write", or a change kind such as
// "tiers.define") needs RoleAdmin: the dispatch namespaces themselves and
// the tier table.
func AdminOnly(op string) bool {
	return strings.HasPrefix(op, "namespace.") || strings.HasPrefix(op, "namespaces.") || strings.HasPrefix(op, "tiers.")
}

// MayDo refuses the change op made with ctx when the profile is read-only,
// the actor may only read, or op needs a role the actor does not have. It
// sends nothing and writes no audit line: for a caller that must not even
// read before it writes (package change). The gate applies the same rule
// to every mutation.
func (c *Client) MayDo(ctx context.Context, op string) error {
	if err := c.MayWrite(ctx); err != nil {
		return err
	}
	actor := c.actorFrom(ctx)
	if AdminOnly(op) && actor.Role != RoleAdmin {
		return &Error{Kind: ErrReadOnly, Reason: fmt.Sprintf("%s is %s; %s needs admin; nothing was sent", actor.Name, actor.Role, op),
			Hint: "ask an admin to make this change"}
	}
	return nil
}
