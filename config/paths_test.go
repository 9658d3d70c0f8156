package config

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestResolvePathsPrecedence(t *testing.T) {
	cases := []struct {
		name       string
		flag       string
		env        map[string]string
		wantConfig string
		wantSource Source
	}{
		{"home default", "", nil, "/home/u/.config/wfp/config.toml", Source{Layer: LayerDefault}},
		{"xdg", "", map[string]string{"XDG_CONFIG_HOME": "/xdg"}, "/xdg/wfp/config.toml", Source{LayerEnv, "XDG_CONFIG_HOME"}},
		{"relative xdg ignored", "", map[string]string{"XDG_CONFIG_HOME": "rel"}, "/home/u/.config/wfp/config.toml", Source{Layer: LayerDefault}},
		{"env", "", map[string]string{"XDG_CONFIG_HOME": "/xdg", EnvConfig: "/e/c.toml"}, "/e/c.toml", Source{LayerEnv, EnvConfig}},
		{"flag", "/f/c.toml", map[string]string{"XDG_CONFIG_HOME": "/xdg", EnvConfig: "/e/c.toml"}, "/f/c.toml", Source{LayerFlag, "--config"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ResolvePaths(tc.flag, envOf(tc.env), "/home/u")
			if err != nil {
				t.Fatal(err)
			}
			if p.Config != tc.wantConfig || p.ConfigSource != tc.wantSource {
				t.Errorf("config %s from %v, want %s from %v", p.Config, p.ConfigSource, tc.wantConfig, tc.wantSource)
			}
			if got, want := p.ConfigExplicit(), tc.wantSource.Layer == LayerFlag || tc.wantSource.Name == EnvConfig; got != want {
				t.Errorf("ConfigExplicit %t, want %t", got, want)
			}
		})
	}
}

func TestResolvePathsStateAndCache(t *testing.T) {
	p, err := ResolvePaths("", envOf(nil), "/home/u")
	if err != nil {
		t.Fatal(err)
	}
	if p.StateDir != "/home/u/.local/state/wfp" || p.AuditLog != "/home/u/.local/state/wfp/audit.jsonl" || p.CacheDir != "/home/u/.cache/wfp" {
		t.Errorf("home paths: %+v", p)
	}
	p, err = ResolvePaths("", envOf(map[string]string{"XDG_STATE_HOME": "/s", "XDG_CACHE_HOME": "/c"}), "/home/u")
	if err != nil {
		t.Fatal(err)
	}
	if p.StateDir != "/s/wfp" || p.AuditLog != filepath.Join("/s/wfp", AuditLogName) || p.CacheDir != "/c/wfp" {
		t.Errorf("xdg paths: %+v", p)
	}
}

func TestResolvePathsNoHome(t *testing.T) {
	_, err := ResolvePaths("/f/c.toml", envOf(map[string]string{"XDG_STATE_HOME": "/s"}), "")
	if err == nil || !strings.Contains(err.Error(), "XDG_CACHE_HOME") || strings.Contains(err.Error(), "XDG_STATE_HOME") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("want one line naming XDG_CACHE_HOME only, got %v", err)
	}
	p, err := ResolvePaths("", envOf(map[string]string{"XDG_CONFIG_HOME": "/x", "XDG_STATE_HOME": "/s", "XDG_CACHE_HOME": "/c"}), "")
	if err != nil || p.Config != "/x/wfp/config.toml" {
		t.Fatalf("all XDG set, no home: %+v, %v", p, err)
	}
}
