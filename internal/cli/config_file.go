package cli

import (
	"fmt"
	"os"
	pathpkg "path"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"

	"github.com/eksguard/eksguard/internal/check"
)

// settingsFile is the --config file: the catalogue's configurable settings (check.Config),
// under the catalogue's names. Every key is optional; an unknown key is an error naming it,
// so a misspelt setting cannot be silently ignored. See examples/eksguard-config.yaml.
type settingsFile struct {
	ExemptNamespaces        []string                `json:"exempt_namespaces"`
	IncludeSystemNamespaces *bool                   `json:"include_system_namespaces"`
	RequireCPULimit         *bool                   `json:"require_cpu_limit"`
	AllowedHostPathPrefixes []string                `json:"allowed_hostpath_prefixes"`
	ApprovedRegistries      []string                `json:"approved_registries"`
	RBACExempt              []string                `json:"rbac_exempt"`
	MaxSecretAgeDays        *int                    `json:"max_secret_age_days"`
	IncidentResponse        *check.IncidentResponse `json:"incident_response"`
	MaxClusterAdmins        *int                    `json:"max_cluster_admins"`
	MaxPublicCIDRPrefix     *publicCIDRPrefix       `json:"max_public_cidr_prefix"`
	MaxAMIAgeDays           *int                    `json:"max_ami_age_days"`
	UpgradeGraceDays        *int                    `json:"upgrade_grace_days"`
	MinLogRetentionDays     *int                    `json:"min_log_retention_days"`
	QuarantineLabel         *string                 `json:"quarantine_label"`
	RoleSharingAllowlist    []string                `json:"role_sharing_allowlist"`
	KnownSystemComponents   []string                `json:"known_system_components"`
	SensitiveRepoPatterns   []string                `json:"sensitive_repo_patterns"`
}

// publicCIDRPrefix is max_public_cidr_prefix as the file gives it: either family may be left
// out (keeping its default), and an explicit 0 is an error rather than "unset".
type publicCIDRPrefix struct {
	IPv4 *int `json:"ipv4"`
	IPv6 *int `json:"ipv6"`
}

// settingsFlags are the flags that set the same thing as a key of the file; a flag given on
// the command line wins over the file.
var settingsFlags = map[string]string{
	"exempt_namespaces":         "exempt-namespaces",
	"include_system_namespaces": "include-system-namespaces",
	"require_cpu_limit":         "require-cpu-limit",
	"allowed_hostpath_prefixes": "allowed-hostpath-prefixes",
	"approved_registries":       "approved-registries",
	"rbac_exempt":               "rbac-exempt",
}

// settingsDate is the layout of the file's dates.
const settingsDate = "2006-01-02"

// loadSettings reads a --config file.
func loadSettings(path string) (*settingsFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s settingsFile
	if err := yaml.UnmarshalStrict(data, &s); err != nil {
		msg := err.Error()
		// sigs.k8s.io/yaml wraps encoding/json's message ("json: unknown field \"x\"") twice.
		if i := strings.LastIndex(msg, "json: "); i >= 0 {
			msg = msg[i+len("json: "):]
		}
		msg = strings.Replace(msg, "unknown field", "unknown key", 1)
		return nil, fmt.Errorf("%s: %s", path, msg)
	}
	for key, days := range map[string]*int{
		"max_secret_age_days": s.MaxSecretAgeDays, "max_ami_age_days": s.MaxAMIAgeDays, "min_log_retention_days": s.MinLogRetentionDays,
		"upgrade_grace_days": s.UpgradeGraceDays,
	} {
		if days != nil && *days <= 0 {
			return nil, fmt.Errorf("%s: %s must be a positive number of days, not %d", path, key, *days)
		}
	}
	if s.MaxClusterAdmins != nil && *s.MaxClusterAdmins <= 0 {
		return nil, fmt.Errorf("%s: max_cluster_admins must be a positive number of principals, not %d", path, *s.MaxClusterAdmins)
	}
	if p := s.MaxPublicCIDRPrefix; p != nil {
		// /0 is the whole internet, which EKS-IAM-002 fails whatever the limit.
		if p.IPv4 != nil && (*p.IPv4 < 1 || *p.IPv4 > 32) {
			return nil, fmt.Errorf("%s: max_public_cidr_prefix.ipv4 must be a prefix length from 1 to 32, not %d", path, *p.IPv4)
		}
		if p.IPv6 != nil && (*p.IPv6 < 1 || *p.IPv6 > 128) {
			return nil, fmt.Errorf("%s: max_public_cidr_prefix.ipv6 must be a prefix length from 1 to 128, not %d", path, *p.IPv6)
		}
	}
	if l := s.QuarantineLabel; l != nil {
		if err := checkLabel(*l); err != "" {
			return nil, fmt.Errorf("%s: quarantine_label %q: %s", path, *l, err)
		}
	}
	for i, p := range s.RoleSharingAllowlist {
		if err := checkServiceAccountPair(p); err != "" {
			return nil, fmt.Errorf("%s: role_sharing_allowlist[%d] %q: %s", path, i, p, err)
		}
	}
	for key, patterns := range map[string][]string{"known_system_components": s.KnownSystemComponents, "sensitive_repo_patterns": s.SensitiveRepoPatterns} {
		for i, p := range patterns {
			if _, err := pathpkg.Match(p, ""); p == "" || err != nil {
				return nil, fmt.Errorf("%s: %s[%d] %q: want a name or a pattern (*, ?, [...])", path, key, i, p)
			}
		}
	}
	if ir := s.IncidentResponse; ir != nil {
		for key, v := range map[string]string{"last_game_day": ir.LastGameDay, "last_pentest": ir.LastPentest} {
			if v == "" {
				continue
			}
			if _, err := time.Parse(settingsDate, v); err != nil {
				return nil, fmt.Errorf("%s: incident_response.%s: %q is not a date (YYYY-MM-DD)", path, key, v)
			}
		}
	}
	return &s, nil
}

// checkLabel says what is wrong with a "key=value" label, or "" when nothing is.
func checkLabel(l string) string {
	key, value, ok := strings.Cut(l, "=")
	if !ok {
		return "want key=value"
	}
	if errs := validation.IsQualifiedName(key); len(errs) > 0 {
		return "label key: " + strings.Join(errs, "; ")
	}
	if errs := validation.IsValidLabelValue(value); len(errs) > 0 {
		return "label value: " + strings.Join(errs, "; ")
	}
	return ""
}

// checkServiceAccountPair says what is wrong with a "namespace/serviceaccount" pair, or "".
func checkServiceAccountPair(p string) string {
	ns, sa, ok := strings.Cut(p, "/")
	if !ok || ns == "" || sa == "" || strings.Contains(sa, "/") {
		return "want namespace/serviceaccount"
	}
	if errs := validation.IsDNS1123Label(ns); len(errs) > 0 {
		return "namespace: " + strings.Join(errs, "; ")
	}
	if errs := validation.IsDNS1123Subdomain(sa); len(errs) > 0 {
		return "service account: " + strings.Join(errs, "; ")
	}
	return ""
}

// apply sets cfg from the file, except what a flag given on the command line already set.
func (s *settingsFile) apply(cfg *check.Config, flags *pflag.FlagSet) {
	given := func(key string) bool {
		name, ok := settingsFlags[key]
		return ok && flags != nil && flags.Changed(name)
	}
	if s.ExemptNamespaces != nil && !given("exempt_namespaces") {
		cfg.ExemptNamespaces = s.ExemptNamespaces
	}
	if s.IncludeSystemNamespaces != nil && !given("include_system_namespaces") {
		cfg.IncludeSystemNamespaces = *s.IncludeSystemNamespaces
	}
	if s.RequireCPULimit != nil && !given("require_cpu_limit") {
		cfg.RequireCPULimit = *s.RequireCPULimit
	}
	if s.AllowedHostPathPrefixes != nil && !given("allowed_hostpath_prefixes") {
		cfg.AllowedHostPathPrefixes = s.AllowedHostPathPrefixes
	}
	if s.ApprovedRegistries != nil && !given("approved_registries") {
		cfg.ApprovedRegistries = s.ApprovedRegistries
	}
	if s.RBACExempt != nil && !given("rbac_exempt") {
		cfg.RBACExempt = s.RBACExempt
	}
	if s.MaxSecretAgeDays != nil {
		cfg.MaxSecretAgeDays = *s.MaxSecretAgeDays
	}
	if s.IncidentResponse != nil {
		cfg.IncidentResponse = *s.IncidentResponse
	}
	if s.MaxClusterAdmins != nil {
		cfg.MaxClusterAdmins = *s.MaxClusterAdmins
	}
	if s.RoleSharingAllowlist != nil {
		cfg.RoleSharingAllowlist = s.RoleSharingAllowlist
	}
	if s.KnownSystemComponents != nil {
		cfg.KnownSystemComponents = s.KnownSystemComponents
	}
	if s.SensitiveRepoPatterns != nil {
		cfg.SensitiveRepoPatterns = s.SensitiveRepoPatterns
	}
	if s.QuarantineLabel != nil {
		cfg.QuarantineLabel = *s.QuarantineLabel
	}
	if s.MaxAMIAgeDays != nil {
		cfg.MaxAMIAgeDays = *s.MaxAMIAgeDays
	}
	if s.MinLogRetentionDays != nil {
		cfg.MinLogRetentionDays = *s.MinLogRetentionDays
	}
	if s.UpgradeGraceDays != nil {
		cfg.UpgradeGraceDays = *s.UpgradeGraceDays
	}
	if p := s.MaxPublicCIDRPrefix; p != nil {
		if p.IPv4 != nil {
			cfg.MaxPublicCIDRPrefix.IPv4 = *p.IPv4
		}
		if p.IPv6 != nil {
			cfg.MaxPublicCIDRPrefix.IPv6 = *p.IPv6
		}
	}
}
