package vap

import (
	"path"
	"regexp"
	"strings"
)

// A rule is the CEL form of one check. Violations is a CEL expression of type list(string)
// naming what fails the check (empty when the object passes); it reads the policy's
// variables:
//
//	variables.spec               the pod spec, wherever the kind keeps it
//	variables.meta               the pod metadata (of the pod or its template)
//	variables.containers         ALL_CONTAINERS: init, regular and ephemeral
//	variables.regularContainers  init and regular containers
//	variables.windows            spec.os.name is windows
//	variables.userNamespace      spec.hostUsers is explicitly false (USER_NS_POD)
//
// Every field is read with optional selection (?.) and a default, because objects reach
// admission as the client wrote them: unset fields are absent, not zero.
//
// An Object check's rule sets object: its violations read the admitted object directly.
type rule struct {
	violations string
	object     *objectRule
	// build, when set, makes violations from the export's options (a check whose scan
	// takes configuration).
	build func(Options) string
}

// objectRule is what an Object check's policy matches: one resource, and the CEL condition
// under which an UPDATE is judged (it changes what the check reads), so that metadata-only
// updates (a finalizer removed) of objects admitted before the policy still go through.
type objectRule struct {
	group, version, resource string
	changed                  string
}

// quoted renders Go strings as a CEL list literal.
func quoted(items ...string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = "'" + s + "'"
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// containersWhere is the violation list of containers matching cond (over c), each named
// and described by what (a CEL string expression over c).
func containersWhere(list, cond, what string) string {
	return "variables." + list + ".filter(c, " + cond + `).map(c, 'container "' + string(c.name) + '" ' + ` + what + ")"
}

// when yields [msg] when cond holds, else [].
func when(cond, msg string) string { return "(" + cond + " ? [" + msg + "] : [])" }

// unless empties a violation list when cond holds (a pod the check does not apply to).
func unless(cond, violations string) string { return "(" + cond + " ? [] : " + violations + ")" }

// PSA's allowed sets, as of pod-security-admission v0.36 (the version eksguard runs).
var (
	baselineCapabilities = quoted("AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
		"NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT")
	safeSysctls = quoted("kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
		"net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start", "net.ipv4.ip_local_reserved_ports",
		"net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
		"net.ipv4.tcp_keepalive_probes", "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem")
	seLinuxTypes        = quoted("", "container_t", "container_init_t", "container_kvm_t", "container_engine_t")
	restrictedVolumes   = quoted("configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim", "projected", "secret")
	validSeccompTypes   = quoted("RuntimeDefault", "Localhost")
	validAppArmorTypes  = quoted("RuntimeDefault", "Localhost")
	appArmorAnnotPrefix = "container.apparmor.security.beta.kubernetes.io/"
)

// seLinuxBad is true when seLinuxOptions o sets a user, a role or a type PSA does not allow.
func seLinuxBad(o string) string {
	return "(" + o + ".?user.orValue('') != '' || " + o + ".?role.orValue('') != '' || !(" + o + ".?type.orValue('') in " + seLinuxTypes + "))"
}

// runtimeSocketPaths are the host paths EKS-POD-022 forbids once cleaned (path.Clean): the
// container runtime sockets, the directories holding them, and the host root
// (internal/checks/pod/runtime_socket_mount.go).
var runtimeSocketPaths = []string{
	"/var/run/docker.sock", "/run/docker.sock",
	"/var/run/containerd/containerd.sock", "/run/containerd/containerd.sock", "/var/run/containerd.sock",
	"/var/run/crio/crio.sock", "/run/crio/crio.sock", "/var/run/crio.sock",
	"/var/run/cri-dockerd.sock", "/run/dockershim.sock",
	"/var/run", "/run", "/var/run/containerd", "/run/containerd", "/var/run/crio", "/run/crio",
}

// cleanPathPattern is an RE2 pattern matching the raw paths that path.Clean turns into one
// of paths. CEL has no path.Clean; cleaning an absolute path without ".." (the API server
// rejects ".." in hostPath.path) only drops repeated slashes, "." segments and a trailing
// slash, which the pattern allows between and after the segments.
func cleanPathPattern(paths []string) string {
	const sep, tail = `/(?:\.?/)*`, `(?:/\.?)*`
	alts := []string{`(?:/\.?)+`} // the root
	for _, p := range paths {
		var b strings.Builder
		for _, seg := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
			b.WriteString(sep + regexp.QuoteMeta(seg))
		}
		alts = append(alts, b.String()+tail)
	}
	return "^(?:" + strings.Join(alts, "|") + ")$"
}

// underPattern is an RE2 pattern matching the raw absolute paths that path.Clean puts at
// or below one of dirs (clean, absolute): the directory's segments, then the end or a '/'.
// An empty dirs matches nothing.
func underPattern(dirs []string) string {
	const sep = `/(?:\.?/)*`
	var alts []string
	for _, d := range dirs {
		if d == "/" {
			return "^/.*$"
		}
		var b strings.Builder
		for _, seg := range strings.Split(strings.TrimPrefix(d, "/"), "/") {
			b.WriteString(sep + regexp.QuoteMeta(seg))
		}
		alts = append(alts, b.String())
	}
	if len(alts) == 0 {
		return "^[^\\x00-\\x{10FFFF}]$" // no path
	}
	return "^(?:" + strings.Join(alts, "|") + ")(?:/.*)?$"
}

// withAncestors returns paths and every directory above them (the root included).
func withAncestors(paths []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range paths {
		for q := p; q != "/"; q = path.Dir(q) {
			if !seen[q] {
				seen[q] = true
				out = append(out, q)
			}
		}
	}
	return out
}

// Sensitive host paths of EKS-POD-024 (internal/checks/pod/host_path_prefixes.go); /var/log
// only when some container mounts the volume writable.
var (
	sensitiveHostPaths = []string{"/etc", "/root", "/home", "/proc", "/sys", "/dev", "/boot", "/lib", "/usr",
		"/var/lib/kubelet", "/var/lib/containerd", "/var/lib/docker", "/etc/kubernetes"}
	sensitiveWhenWritable = []string{"/var/log"}
)

// hostPathPrefixes is EKS-POD-024: a hostPath volume fails when it is at, below or above a
// sensitive path (the root included), or is not below an allowed prefix.
func hostPathPrefixes(opts Options) string {
	var allowed []string
	for _, a := range opts.AllowedHostPathPrefixes {
		if a = strings.TrimSpace(a); strings.HasPrefix(a, "/") {
			allowed = append(allowed, path.Clean(a))
		}
	}
	sensitive := "v.hostPath.path.matches(r'" + underPattern(sensitiveHostPaths) + "') || " +
		"v.hostPath.path.matches(r'" + cleanPathPattern(withAncestors(sensitiveHostPaths)) + "')"
	writable := "variables.containers.exists(c, c.?volumeMounts.orValue([]).exists(m, m.name == v.name && m.?readOnly.orValue(false) != true))"
	varLog := "v.hostPath.path.matches(r'" + underPattern(sensitiveWhenWritable) + "') || " +
		"v.hostPath.path.matches(r'" + cleanPathPattern(withAncestors(sensitiveWhenWritable)) + "')"
	notAllowed := "true"
	if len(allowed) > 0 {
		notAllowed = "!v.hostPath.path.matches(r'" + underPattern(allowed) + "')"
	}
	return "variables.spec.?volumes.orValue([]).filter(v, has(v.hostPath) && (" + sensitive + " || " +
		"(" + writable + " && (" + varLog + ")) || " + notAllowed + "))" +
		".map(v, 'volume \"' + string(v.name) + '\" mounts host path ' + string(v.hostPath.path) + ', a sensitive path or one outside the allowed prefixes')"
}

// privateECRHost matches every private ECR registry host (EKS-IMG-003's default list,
// internal/checks/image/image_approved_registries.go).
const privateECRHost = `^[0-9]{12}\.(dkr\.ecr(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?|dkr-ecr(-fips)?\.[a-z0-9-]+\.on\.aws)$`

// approvedRegistries is EKS-IMG-003: every container's image registry (IMAGE_REF: the first
// component when it looks like a host, else docker.io) must be approved by a host[/path]
// entry of opts.ApprovedRegistries, or by the default list when none is configured.
func approvedRegistries(opts Options) string {
	type entry struct{ host, path string }
	var entries []entry
	for _, e := range opts.ApprovedRegistries {
		s := strings.TrimSpace(e)
		if i := strings.Index(s, "://"); i >= 0 {
			s = s[i+3:]
		}
		if s = strings.Trim(s, "/"); s == "" {
			continue
		}
		host, p, _ := strings.Cut(s, "/")
		if host = strings.ToLower(host); host == "index.docker.io" {
			host = "docker.io"
		}
		entries = append(entries, entry{host, p})
	}
	// Inside: name is the reference without its digest, reg the registry, repo the
	// repository with its tag (a path matches whole segments, then '/', the tag or the end).
	repoMatches := func(p string) string {
		q := regexp.QuoteMeta(p)
		m := "repo.matches(r'^" + q + "(?:/|:[^/]*$|$)')"
		// On docker.io an official image "nginx" is library/nginx.
		return "(" + m + " || reg == 'docker.io' && !repo.contains('/') && ('library/' + repo).matches(r'^" + q + "(?:/|:[^/]*$|$)'))"
	}
	var alts []string
	if len(entries) == 0 {
		alts = []string{"reg.matches(r'" + privateECRHost + "')",
			"reg == 'public.ecr.aws' && " + repoMatches("eks"), "reg == 'public.ecr.aws' && " + repoMatches("eks-distro")}
	}
	for _, e := range entries {
		a := "reg == '" + celEscape(e.host) + "'"
		if e.path != "" {
			a += " && " + repoMatches(e.path)
		}
		alts = append(alts, "("+a+")")
	}
	approved := strings.Join(alts, " || ")
	looksLikeHost := "(first.contains('.') || first.contains(':') || first == 'localhost' || first.lowerAscii() != first)"
	return "variables.containers.filter(c, c.?image.orValue('') != '' && " +
		"[string(c.image).split('@')[0]].exists(name, [name.contains('/') ? name.split('/')[0] : ''].exists(first, " +
		"[first != '' && " + looksLikeHost + "].exists(explicit, " +
		"[explicit ? (first.lowerAscii() == 'index.docker.io' ? 'docker.io' : first.lowerAscii()) : 'docker.io'].exists(reg, " +
		"[explicit ? name.substring(size(first) + 1) : name].exists(repo, !(" + approved + ")))))))" +
		".map(c, 'container \"' + string(c.name) + '\" image ' + string(c.image) + ' does not come from an approved registry')"
}

// tagPattern matches the tag of an image reference without a digest: the non-empty text
// after the last ':' that follows the last '/' (IMAGE_REF, internal/checks/image/image_ref.go).
const tagPattern = ":[^/:]+$"

// probeHosts is true when container c has a probe or lifecycle handler with a host set.
const probeHosts = `['livenessProbe', 'readinessProbe', 'startupProbe'].exists(p, p in c && ` +
	`(c[p].?httpGet.?host.orValue('') != '' || c[p].?tcpSocket.?host.orValue('') != '')) || ` +
	`['postStart', 'preStop'].exists(h, h in c.?lifecycle.orValue({}) && ` +
	`(c.lifecycle[h].?httpGet.?host.orValue('') != '' || c.lifecycle[h].?tcpSocket.?host.orValue('') != ''))`

// procMountNotDefault lists containers whose procMount is set and is not Default.
var procMountNotDefault = containersWhere("containers", "c.?securityContext.?procMount.orValue('Default') != 'Default'",
	"'sets procMount ' + string(c.securityContext.procMount)")

// rules maps check IDs to their CEL form. Each follows the check's own logic in
// internal/checks (for the PSS checks, pod-security-admission's newest version of the
// control), and the parity test holds it to the check's fixtures on a real API server.
var rules = map[string]rule{
	"EKS-POD-001": {violations: containersWhere("containers", "c.?securityContext.?privileged.orValue(false) == true", "'runs privileged'")},
	"EKS-POD-002": {violations: when("variables.spec.?hostPID.orValue(false) == true", "'pod shares the host PID namespace (hostPID: true)'")},
	"EKS-POD-003": {violations: when("variables.spec.?hostIPC.orValue(false) == true", "'pod shares the host IPC namespace (hostIPC: true)'")},
	"EKS-POD-004": {violations: when("variables.spec.?hostNetwork.orValue(false) == true", "'pod uses the host network namespace (hostNetwork: true)'")},
	"EKS-POD-005": {violations: containersWhere("containers",
		"c.?securityContext.?capabilities.?add.orValue([]).exists(a, !(a in "+baselineCapabilities+"))",
		"'adds non-default capabilities ' + c.securityContext.capabilities.add.filter(a, !(a in "+baselineCapabilities+")).map(a, string(a)).join(', ')")},
	"EKS-POD-006": {violations: "variables.spec.?volumes.orValue([]).filter(v, has(v.hostPath)).map(v, 'volume \"' + string(v.name) + '\" is a hostPath volume')"},
	"EKS-POD-007": {violations: containersWhere("containers", "c.?ports.orValue([]).exists(p, p.?hostPort.orValue(0) != 0)", "'uses a host port'")},
	"EKS-POD-008": {violations: when("variables.spec.?securityContext.?appArmorProfile.hasValue() && !(variables.spec.securityContext.appArmorProfile.?type.orValue('') in "+validAppArmorTypes+")",
		"'pod sets AppArmor profile type ' + string(variables.spec.securityContext.appArmorProfile.?type.orValue(''))") + " + " +
		containersWhere("containers", "c.?securityContext.?appArmorProfile.hasValue() && !(c.securityContext.appArmorProfile.?type.orValue('') in "+validAppArmorTypes+")",
			"'sets AppArmor profile type ' + string(c.securityContext.appArmorProfile.?type.orValue(''))") + " + " +
		"variables.meta.?annotations.orValue({}).filter(k, k.startsWith('" + appArmorAnnotPrefix + "') && " +
		"!(variables.meta.annotations[k] == '' || variables.meta.annotations[k] == 'runtime/default' || variables.meta.annotations[k].startsWith('localhost/')))" +
		".map(k, 'annotation ' + k + ' sets AppArmor profile ' + variables.meta.annotations[k])"},
	"EKS-POD-009": {violations: when("variables.spec.?securityContext.?seLinuxOptions.hasValue() && "+seLinuxBad("variables.spec.securityContext.seLinuxOptions"),
		"'pod sets forbidden seLinuxOptions'") + " + " +
		containersWhere("containers", "c.?securityContext.?seLinuxOptions.hasValue() && "+seLinuxBad("c.securityContext.seLinuxOptions"), "'sets forbidden seLinuxOptions'")},
	"EKS-POD-010": {violations: unless("variables.userNamespace", procMountNotDefault)},
	"EKS-POD-011": {violations: when("variables.spec.?securityContext.?seccompProfile.hasValue() && !(variables.spec.securityContext.seccompProfile.?type.orValue('') in "+validSeccompTypes+")",
		"'pod sets seccompProfile type ' + string(variables.spec.securityContext.seccompProfile.?type.orValue(''))") + " + " +
		containersWhere("containers", "c.?securityContext.?seccompProfile.hasValue() && !(c.securityContext.seccompProfile.?type.orValue('') in "+validSeccompTypes+")",
			"'sets seccompProfile type ' + string(c.securityContext.seccompProfile.?type.orValue(''))")},
	"EKS-POD-012": {violations: "variables.spec.?securityContext.?sysctls.orValue([]).filter(s, !(s.name in " + safeSysctls + ")).map(s, 'pod sets unsafe sysctl ' + string(s.name))"},
	"EKS-POD-013": {violations: when("variables.spec.?securityContext.?windowsOptions.?hostProcess.orValue(false) == true", "'pod sets windowsOptions.hostProcess true'") + " + " +
		containersWhere("containers", "c.?securityContext.?windowsOptions.?hostProcess.orValue(false) == true", "'sets windowsOptions.hostProcess true'")},
	"EKS-POD-014": {violations: containersWhere("containers", probeHosts, "'has a probe or lifecycle handler that targets another host'")},
	"EKS-POD-015": {violations: "variables.spec.?volumes.orValue([]).filter(v, !v.all(k, k == 'name') && !" + restrictedVolumes + ".exists(k, k in v))" +
		".map(v, 'volume \"' + string(v.name) + '\" uses a restricted volume type')"},
	"EKS-POD-016": {violations: unless("variables.windows", containersWhere("containers",
		"c.?securityContext.?allowPrivilegeEscalation.orValue(true) != false", "'does not set allowPrivilegeEscalation false'"))},
	"EKS-POD-017": {violations: unless("variables.userNamespace",
		when("variables.spec.?securityContext.?runAsNonRoot.orValue(true) == false", "'pod sets runAsNonRoot false'")+" + "+
			containersWhere("containers", "c.?securityContext.?runAsNonRoot.orValue(variables.spec.?securityContext.?runAsNonRoot.orValue(false)) != true",
				"'does not run with runAsNonRoot true'"))},
	"EKS-POD-018": {violations: unless("variables.userNamespace",
		when("variables.spec.?securityContext.?runAsUser.orValue(1) == 0", "'pod sets runAsUser 0'")+" + "+
			containersWhere("containers", "c.?securityContext.?runAsUser.orValue(1) == 0", "'sets runAsUser 0'"))},
	"EKS-POD-019": {violations: unless("variables.windows",
		when("variables.spec.?securityContext.?seccompProfile.hasValue() && !(variables.spec.securityContext.seccompProfile.?type.orValue('') in "+validSeccompTypes+")",
			"'pod sets seccompProfile type ' + string(variables.spec.securityContext.seccompProfile.?type.orValue(''))")+" + "+
			containersWhere("containers",
				"c.?securityContext.?seccompProfile.hasValue() ? !(c.securityContext.seccompProfile.?type.orValue('') in "+validSeccompTypes+") : "+
					"!(variables.spec.?securityContext.?seccompProfile.?type.orValue('') in "+validSeccompTypes+")",
				"'does not set seccompProfile type RuntimeDefault or Localhost'"))},
	"EKS-POD-020": {violations: unless("variables.windows", containersWhere("containers",
		"!('ALL' in c.?securityContext.?capabilities.?drop.orValue([])) || c.?securityContext.?capabilities.?add.orValue([]).exists(a, a != 'NET_BIND_SERVICE')",
		"'must drop ALL capabilities and add only NET_BIND_SERVICE'"))},
	"EKS-POD-021": {violations: "(variables.userNamespace ? " + procMountNotDefault + " : [])"},
	"EKS-POD-023": {violations: containersWhere("containers",
		"c.?volumeMounts.orValue([]).exists(m, m.name in variables.spec.?volumes.orValue([]).filter(v, has(v.hostPath)).map(v, v.name) && m.?readOnly.orValue(false) != true)",
		"'mounts a hostPath volume without readOnly: true'")},
	"EKS-POD-026": {violations: unless("variables.windows", containersWhere("regularContainers",
		"c.?securityContext.?readOnlyRootFilesystem.orValue(false) != true", "'does not set readOnlyRootFilesystem true'"))},
	"EKS-POD-027": {violations: unless("variables.windows",
		unless("variables.userNamespace", containersWhere("regularContainers",
			"c.?securityContext.?runAsUser.orValue(variables.spec.?securityContext.?runAsUser.orValue(0)) == 0 || "+
				"c.?securityContext.?runAsGroup.orValue(variables.spec.?securityContext.?runAsGroup.orValue(0)) == 0",
			"'does not run with a set, non-zero runAsUser and runAsGroup'"))+" + "+
			when("variables.spec.?securityContext.?fsGroup.orValue(1) == 0", "'pod sets fsGroup 0'")+" + "+
			when("variables.spec.?securityContext.?supplementalGroups.orValue([]).exists(g, g == 0)", "'pod adds supplemental group 0'"))},
	"EKS-DATA-003": {violations: containersWhere("containers",
		"c.?env.orValue([]).exists(e, e.?valueFrom.?secretKeyRef.hasValue()) || c.?envFrom.orValue([]).exists(e, has(e.secretRef))",
		"'reads a Secret into environment variables'")},
	"EKS-IMG-001": {violations: containersWhere("containers",
		"c.?image.orValue('') != '' && !c.image.contains('@') && (!c.image.matches('"+tagPattern+"') || c.image.find('"+tagPattern+"').lowerAscii() == ':latest')",
		"'image ' + string(c.image) + ' has no tag or the latest tag, and no digest'")},
	"EKS-IMG-002": {violations: containersWhere("regularContainers",
		"c.?image.orValue('') != '' && !c.image.matches('^[^@]*@sha256:[0-9a-f]{64}$')",
		"'image ' + string(c.image) + ' is not pinned by a sha256 digest'")},
	"EKS-IMG-016": {violations: containersWhere("regularContainers",
		"c.?image.orValue('') != '' && !c.image.contains('@') && (c.?imagePullPolicy.orValue('') in ['IfNotPresent', 'Never'] || "+
			"c.?imagePullPolicy.orValue('') == '' && c.image.matches('"+tagPattern+"') && c.image.find('"+tagPattern+"') != ':latest')",
		"'image ' + string(c.image) + ' has no digest and is not pulled with imagePullPolicy Always'")},
	"EKS-RUN-005": {violations: unless("variables.windows", containersWhere("regularContainers",
		"!(c.?securityContext.?seccompProfile.orValue(variables.spec.?securityContext.?seccompProfile.orValue({})).?type.orValue('') in "+validSeccompTypes+") && "+
			"!(c.?securityContext.?appArmorProfile.hasValue() ? c.securityContext.appArmorProfile.?type.orValue('') in "+validAppArmorTypes+" : "+
			"('"+appArmorAnnotPrefix+"' + c.name) in variables.meta.?annotations.orValue({}) ? "+
			"(variables.meta.annotations['"+appArmorAnnotPrefix+"' + c.name] == 'runtime/default' || variables.meta.annotations['"+appArmorAnnotPrefix+"' + c.name].startsWith('localhost/')) : "+
			"variables.spec.?securityContext.?appArmorProfile.?type.orValue('') in "+validAppArmorTypes+") && "+
			"c.?securityContext.?seLinuxOptions.orValue(variables.spec.?securityContext.?seLinuxOptions.orValue({})).?type.orValue('') == '' && "+
			"!('ALL' in c.?securityContext.?capabilities.?drop.orValue([]))",
		"'applies no Linux hardening (seccomp, AppArmor, SELinux type or dropping ALL capabilities)'"))},
	"EKS-DATA-005": {object: &objectRule{group: "storage.k8s.io", version: "v1", resource: "storageclasses",
		changed: "dyn(object).?parameters.orValue({}) != dyn(oldObject).?parameters.orValue({})"},
		violations: when("dyn(object).?provisioner.orValue('') in ['ebs.csi.aws.com', 'ebs.csi.eks.amazonaws.com', 'kubernetes.io/aws-ebs'] && "+
			"(!dyn(object).?parameters.orValue({}).exists(k, k.lowerAscii() == 'encrypted') || "+
			"dyn(object).parameters.exists(k, k.lowerAscii() == 'encrypted' && dyn(object).parameters[k].lowerAscii() != 'true'))",
			"'StorageClass provisions EBS volumes with ' + string(object.provisioner) + ' but does not set parameters.encrypted \"true\"'")},
	"EKS-DATA-007": {object: &objectRule{group: "", version: "v1", resource: "persistentvolumes", changed: "dyn(object).?spec != dyn(oldObject).?spec"},
		violations: when("dyn(object).spec.?csi.?driver.orValue('') == 'efs.csi.aws.com' && "+
			"(dyn(object).spec.csi.?volumeAttributes.orValue({}).exists(k, k.lowerAscii() == 'encryptintransit' && "+
			"dyn(object).spec.csi.volumeAttributes[k] in ['0', 'f', 'F', 'false', 'False', 'FALSE']) || "+
			"dyn(object).spec.?mountOptions.orValue([]).exists(o, o.trim().lowerAscii() == 'notls'))",
			"'EFS PersistentVolume mounts without TLS (encryptInTransit false or mount option notls)'")},
	"EKS-DATA-009": {object: &objectRule{group: "", version: "v1", resource: "persistentvolumes", changed: "dyn(object).?spec != dyn(oldObject).?spec"},
		violations: when("dyn(object).spec.?csi.?driver.orValue('') == 'efs.csi.aws.com' && "+
			"(size(dyn(object).spec.csi.?volumeHandle.orValue('').split(':')) < 3 || !dyn(object).spec.csi.volumeHandle.split(':')[2].startsWith('fsap-'))",
			"'EFS PersistentVolume volumeHandle ' + string(object.spec.csi.volumeHandle) + ' names no access point (fsap-...)'")},
	"EKS-POD-022": {violations: "variables.spec.?volumes.orValue([]).filter(v, v.?hostPath.?path.orValue('').matches(r'" + cleanPathPattern(runtimeSocketPaths) + "'))" +
		".map(v, 'volume \"' + string(v.name) + '\" mounts host path ' + string(v.hostPath.path) + ': the host root, a container runtime socket or a directory holding one')"},
	"EKS-POD-030": {object: &objectRule{group: "", version: "v1", resource: "namespaces",
		changed: "dyn(object).metadata.?labels.orValue({}) != dyn(oldObject).metadata.?labels.orValue({})"},
		// Levels as Pod Security Admission reads them: a missing enforce is privileged, an
		// invalid one restricted; warn and audit must be valid and at least as strict.
		violations: "['pod-security.kubernetes.io/warn', 'pod-security.kubernetes.io/audit'].filter(k, !(k in dyn(object).metadata.?labels.orValue({})) || " +
			"!(dyn(object).metadata.?labels.orValue({})[k] in {'privileged': 0, 'baseline': 1, 'restricted': 2}) || {'privileged': 0, 'baseline': 1, 'restricted': 2}[dyn(object).metadata.?labels.orValue({})[k]] < " +
			"('pod-security.kubernetes.io/enforce' in dyn(object).metadata.?labels.orValue({}) ? (dyn(object).metadata.?labels.orValue({})['pod-security.kubernetes.io/enforce'] in {'privileged': 0, 'baseline': 1, 'restricted': 2} ? {'privileged': 0, 'baseline': 1, 'restricted': 2}[dyn(object).metadata.?labels.orValue({})['pod-security.kubernetes.io/enforce']] : 2) : 0))" +
			".map(k, 'namespace label ' + k + ' is missing, not a valid level, or less strict than enforce')"},
	"EKS-POD-024": {build: hostPathPrefixes},
	"EKS-IMG-003": {build: approvedRegistries},
}
