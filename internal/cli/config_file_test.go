package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/eksguard/eksguard/internal/check"
)

func writeSettings(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "eksguard.yaml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSettingsFile: every key of the file lands in check.Config; a flag given on the
// command line wins over the file; unknown keys and bad values are errors naming the key.
func TestSettingsFile(t *testing.T) {
	path := writeSettings(t, `exempt_namespaces: [platform]
include_system_namespaces: true
require_cpu_limit: true
allowed_hostpath_prefixes: [/var/log]
approved_registries: [registry.example.com]
rbac_exempt: ["ops:reader"]
max_secret_age_days: 30
max_cluster_admins: 5
max_public_cidr_prefix: {ipv4: 20}
max_ami_age_days: 45
upgrade_grace_days: 7
min_log_retention_days: 365
quarantine_label: security.example.com/isolate=now
role_sharing_allowlist: [monitoring/agent, logging/agent]
known_system_components: [cert-manager*]
sensitive_repo_patterns: [payments/*]
incident_response:
  runbook_url: https://wiki.example.com/eks-ir
  last_game_day: 2026-03-01
  last_pentest: "2025-12-10"
`)
	s, err := loadSettings(path)
	if err != nil {
		t.Fatal(err)
	}
	var o reportOptions
	f := pflag.NewFlagSet("scan", pflag.ContinueOnError)
	o.addFlags(f)
	if err := f.Parse([]string{"--exempt-namespaces", "tools", "--require-cpu-limit=false"}); err != nil {
		t.Fatal(err)
	}
	s.apply(&o.config, f)
	c := o.config
	if strings.Join(c.ExemptNamespaces, ",") != "tools" || c.RequireCPULimit {
		t.Errorf("flags given must win over the file: %+v", c)
	}
	if !c.IncludeSystemNamespaces || strings.Join(c.AllowedHostPathPrefixes, ",") != "/var/log" ||
		strings.Join(c.ApprovedRegistries, ",") != "registry.example.com" || strings.Join(c.RBACExempt, ",") != "ops:reader" {
		t.Errorf("file settings not applied: %+v", c)
	}
	want := check.IncidentResponse{RunbookURL: "https://wiki.example.com/eks-ir", LastGameDay: "2026-03-01", LastPentest: "2025-12-10"}
	if c.MaxSecretAgeDays != 30 || c.SecretAgeDays() != 30 || c.IncidentResponse != want {
		t.Errorf("max_secret_age_days / incident_response: %+v", c)
	}
	if (check.Config{}).SecretAgeDays() != check.DefaultMaxSecretAgeDays {
		t.Errorf("default max_secret_age_days")
	}
	if c.ClusterAdmins() != 5 || c.PublicCIDRPrefixV4() != 20 || c.PublicCIDRPrefixV6() != check.DefaultMaxPublicCIDRPrefixV6 {
		t.Errorf("max_cluster_admins / max_public_cidr_prefix: %+v", c)
	}
	if c.AMIAgeDays() != 45 || c.LogRetentionDays() != 365 || c.GraceDays() != 7 {
		t.Errorf("max_ami_age_days / min_log_retention_days / upgrade_grace_days: %+v", c)
	}
	if k, v := c.Quarantine(); k != "security.example.com/isolate" || v != "now" {
		t.Errorf("quarantine_label: %q=%q", k, v)
	}
	if strings.Join(c.RoleSharingAllowlist, ",") != "monitoring/agent,logging/agent" {
		t.Errorf("role_sharing_allowlist: %q", c.RoleSharingAllowlist)
	}
	if strings.Join(c.KnownSystemComponents, ",") != "cert-manager*" {
		t.Errorf("known_system_components: %q", c.KnownSystemComponents)
	}
	if strings.Join(c.SensitiveRepoPatterns, ",") != "payments/*" {
		t.Errorf("sensitive_repo_patterns: %q", c.SensitiveRepoPatterns)
	}
	var zero check.Config
	if k, v := zero.Quarantine(); k+"="+v != check.DefaultQuarantineLabel {
		t.Errorf("default quarantine_label: %q=%q", k, v)
	}
	if zero.ClusterAdmins() != 3 || zero.PublicCIDRPrefixV4() != 16 || zero.PublicCIDRPrefixV6() != 32 ||
		zero.AMIAgeDays() != 30 || zero.LogRetentionDays() != 90 {
		t.Errorf("defaults of max_cluster_admins / max_public_cidr_prefix: %+v", zero)
	}

	for body, msg := range map[string]string{
		"exempt_namespace: [a]\n":                           `unknown key "exempt_namespace"`,
		"incident_response:\n  runbook: x\n":                `unknown key "runbook"`,
		"max_secret_age_days: 0\n":                          "max_secret_age_days must be a positive number",
		"incident_response:\n  last_pentest: last spring\n": `incident_response.last_pentest: "last spring" is not a date`,
		"max_secret_age_days: ninety\n":                     "max_secret_age_days",
		"max_ami_age_days: -7\n":                            "max_ami_age_days must be a positive number of days, not -7",
		"min_log_retention_days: 0\n":                       "min_log_retention_days must be a positive number of days, not 0",
		"upgrade_grace_days: 0\n":                           "upgrade_grace_days must be a positive number of days, not 0",
		"quarantine_label: quarantine\n":                    `quarantine_label "quarantine": want key=value`,
		"quarantine_label: bad key!=true\n":                 `quarantine_label "bad key!=true": label key`,
		"quarantine_label: a/b=not ok\n":                    `quarantine_label "a/b=not ok": label value`,
		"role_sharing_allowlist: [a/b, agent]\n":            `role_sharing_allowlist[1] "agent": want namespace/serviceaccount`,
		"role_sharing_allowlist: [a/b/c]\n":                 `role_sharing_allowlist[0] "a/b/c": want namespace/serviceaccount`,
		"role_sharing_allowlist: [Mon/agent]\n":             `role_sharing_allowlist[0] "Mon/agent": namespace`,
		"known_system_components: [\"vault[\"]\n":           `known_system_components[0] "vault[": want a name or a pattern`,
		"known_system_components: [\"\"]\n":                 `known_system_components[0] "": want a name`,
		"sensitive_repo_patterns: [\"pay[\"]\n":             `sensitive_repo_patterns[0] "pay[": want a name or a pattern`,
		"max_cluster_admins: -1\n":                          "max_cluster_admins must be a positive number",
		"max_public_cidr_prefix: {ipv4: 33}\n":              "max_public_cidr_prefix.ipv4 must be a prefix length from 1 to 32, not 33",
		"max_public_cidr_prefix: {ipv6: 0}\n":               "max_public_cidr_prefix.ipv6 must be a prefix length from 1 to 128, not 0",
		"max_public_cidr_prefix: {ipv4: 16, v6: 32}\n":      `unknown key "v6"`,
		"max_public_cidr_prefix: 16\n":                      "max_public_cidr_prefix",
	} {
		if _, err := loadSettings(writeSettings(t, body)); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%q: err = %v, want it to say %q", body, err, msg)
		}
	}
}

// TestConfigFlag: --config is read by the scan command (and cluster, aws: the same
// reportOptions), and a bad file is a usage error.
func TestConfigFlag(t *testing.T) {
	exempt := writeSettings(t, "exempt_namespaces: [shop]\n")
	r := run(t, "", "scan", "--checks", "EKS-POD-001", "-n", "shop", "--config", exempt, "testdata/app.yaml")
	if r.code != ExitOK || !strings.Contains(r.stdout, "(exempt: system namespace)") {
		t.Errorf("exempt_namespaces from --config not applied: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = run(t, "", "scan", "--checks", "EKS-POD-001", "-n", "shop", "--config", exempt, "--exempt-namespaces", "other", "testdata/app.yaml")
	if r.code != ExitFindings {
		t.Errorf("--exempt-namespaces must win over the file: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	bad := writeSettings(t, "frobnicate: true\n")
	for _, cmd := range []string{"scan", "cluster", "aws"} {
		args := []string{cmd, "--config", bad}
		if cmd == "scan" {
			args = append(args, "testdata/app.yaml")
		}
		r = run(t, "", args...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, `unknown key "frobnicate"`) {
			t.Errorf("%s --config with an unknown key: exit %d, stderr %s", cmd, r.code, r.stderr)
		}
	}
}

// TestExampleSettingsFile keeps examples/eksguard-config.yaml valid.
func TestExampleSettingsFile(t *testing.T) {
	s, err := loadSettings(filepath.Join("..", "..", "examples", "eksguard-config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg check.Config
	s.apply(&cfg, nil)
	if cfg.SecretAgeDays() != 90 || cfg.IncidentResponse.RunbookURL == "" || len(cfg.ExemptNamespaces) != 1 {
		t.Errorf("example settings: %+v", cfg)
	}
	// The example shows every key of the file, at its default where it has one.
	if cfg.MaxClusterAdmins != check.DefaultMaxClusterAdmins || cfg.MaxPublicCIDRPrefix.IPv4 != check.DefaultMaxPublicCIDRPrefixV4 ||
		cfg.MaxPublicCIDRPrefix.IPv6 != check.DefaultMaxPublicCIDRPrefixV6 || cfg.MaxAMIAgeDays != check.DefaultMaxAMIAgeDays ||
		cfg.UpgradeGraceDays != check.DefaultUpgradeGraceDays ||
		cfg.MinLogRetentionDays != check.DefaultMinLogRetentionDays || cfg.QuarantineLabel != check.DefaultQuarantineLabel ||
		len(cfg.RoleSharingAllowlist) == 0 || len(cfg.KnownSystemComponents) == 0 || len(cfg.SensitiveRepoPatterns) == 0 {
		t.Errorf("example settings: %+v", cfg)
	}
}
