package gen

import (
	"bytes"
	"fmt"
	"math/rand"
	"strconv"
	"strings"
)

type gen struct {
	r   *rand.Rand
	buf bytes.Buffer
}

var (
	teamNames = []string{
		"payments", "checkout", "catalog", "search", "identity", "notifications", "analytics",
		"platform", "billing", "shipping", "inventory", "reviews", "ads", "media", "support",
		"fraud", "loyalty", "pricing", "recommendations", "orders", "accounts", "messaging",
	}
	appWords = []string{
		"api", "gateway", "web", "frontend", "backend", "worker", "consumer", "indexer",
		"scheduler", "sync", "exporter", "processor", "router", "auth", "ledger", "cache",
		"events", "reporter", "importer", "renderer", "mailer", "webhook", "admin", "graphql",
	}
	regions = []string{"us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"}
)

const account = "123456789012"

// pick returns a random element.
func pick[T any](r *rand.Rand, xs []T) T { return xs[r.Intn(len(xs))] }

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

func (g *gen) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[g.r.Intn(16)]
	}
	return string(b)
}

func (g *gen) render(o obj) []byte {
	g.buf.Reset()
	writeDoc(&g.buf, o)
	return bytes.Clone(g.buf.Bytes())
}

// generate produces exactly n documents grouped by team.
func (g *gen) generate(n int) []*team {
	var teams []*team
	count := 0
	for i := 0; count < n; i++ {
		name := teamNames[i%len(teamNames)]
		if i >= len(teamNames) {
			name += "-" + strconv.Itoa(i/len(teamNames)+1)
		}
		t := &team{name: name, perObject: i%7 == 3} // every seventh team keeps one object per file
		teams = append(teams, t)
		target := 250 + g.r.Intn(450)
		add := func(d doc) bool {
			if count >= n {
				return false
			}
			t.docs = append(t.docs, d)
			count++
			return true
		}
		add(doc{app: "namespace", kind: "Namespace", data: g.render(g.namespace(name))})
		apps := map[string]bool{}
		for len(t.docs) < target && count < n {
			app := pick(g.r, appWords)
			if g.chance(0.6) {
				app = pick(g.r, appWords) + "-" + app
			}
			if apps[app] {
				app += "-" + strconv.Itoa(len(t.docs))
			}
			apps[app] = true
			for _, d := range g.app(name, app) {
				if !add(d) {
					break
				}
			}
		}
	}
	return teams
}

// profile is how carefully a workload was written.
type profile int

const (
	hardened profile = iota // restricted-profile securityContext, resources, pinned images
	partial                 // the usual half-done job: some fields, not all
	insecure                // one or more typical mistakes
)

// flaws are the mistakes an insecure workload makes.
type flaws struct {
	privileged, privilegedInit, hostPathSocket, hostPathLog, hostPathRoot bool
	hostNetwork, hostPID, hostIPC, runAsRoot, capsAdd, latestTag          bool
	noResources, escalation, defaultSA, hostPort, unconfinedSeccomp       bool
}

func (g *gen) flaws() flaws {
	var f flaws
	all := []*bool{
		&f.privileged, &f.privilegedInit, &f.hostPathSocket, &f.hostPathLog, &f.hostPathRoot,
		&f.hostNetwork, &f.hostPID, &f.hostIPC, &f.runAsRoot, &f.capsAdd, &f.latestTag,
		&f.noResources, &f.escalation, &f.defaultSA, &f.hostPort, &f.unconfinedSeccomp,
	}
	// Common mistakes are weighted up by appearing more than once.
	weighted := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 8, 9, 9, 10, 10, 10, 11, 11, 11, 12, 13, 13, 14, 15}
	for k := 1 + g.r.Intn(3); k > 0; k-- {
		*all[pick(g.r, weighted)] = true
	}
	return f
}

func (g *gen) profile() (profile, flaws) {
	switch x := g.r.Float64(); {
	case x < 0.5:
		return hardened, flaws{}
	case x < 0.78:
		return partial, flaws{}
	default:
		return insecure, g.flaws()
	}
}

type appKind int

const (
	webApp appKind = iota
	statefulApp
	agentApp
	cronApp
	jobApp
)

// app is one application: its workload and the objects around it.
type app struct {
	team, name, ns string
	kind           appKind
	prof           profile
	flaw           flaws
	sa             string // ServiceAccount the pods use ("" = default)
	configMap      string
	labels         obj
	port           int
}

func (g *gen) app(teamName, name string) []doc {
	a := &app{team: teamName, name: name, ns: teamName, port: pick(g.r, []int{8080, 8080, 8080, 3000, 8000, 9000})}
	switch x := g.r.Float64(); {
	case x < 0.62:
		a.kind = webApp
	case x < 0.72:
		a.kind = statefulApp
	case x < 0.79:
		a.kind = agentApp
		if g.chance(0.3) {
			a.ns = pick(g.r, []string{"kube-system", "monitoring", "logging"})
		}
	case x < 0.93:
		a.kind = cronApp
	default:
		a.kind = jobApp
	}
	a.prof, a.flaw = g.profile()
	a.labels = obj{
		{"app.kubernetes.io/name", name},
		{"app.kubernetes.io/instance", name + "-" + pick(g.r, []string{"prod", "production", "main"})},
		{"app.kubernetes.io/part-of", teamName},
	}
	var docs []doc
	emit := func(kind string, o obj) { docs = append(docs, doc{app: name, kind: kind, data: g.render(o)}) }

	ownSA := g.chance(map[appKind]float64{webApp: 0.55, statefulApp: 0.8, agentApp: 1, cronApp: 0.5, jobApp: 0.4}[a.kind])
	if ownSA && !a.flaw.defaultSA {
		a.sa = name
		emit("ServiceAccount", g.serviceAccount(a))
	}
	if g.chance(map[appKind]float64{webApp: 0.6, statefulApp: 0.9, agentApp: 0.6, cronApp: 0.4, jobApp: 0.3}[a.kind]) {
		a.configMap = name + "-config"
		emit("ConfigMap", g.configMap(a))
	}
	switch a.kind {
	case webApp:
		emit("Deployment", g.deployment(a, name))
		if g.chance(0.35) { // a second Deployment of the same app (worker beside the API)
			emit("Deployment", g.deployment(a, name+"-worker"))
		}
		if g.chance(0.85) {
			emit("Service", g.service(a, false))
		}
		if g.chance(0.45) {
			emit("HorizontalPodAutoscaler", g.hpa(a))
		}
		if g.chance(0.35) {
			emit("Ingress", g.ingress(a))
		}
		if g.chance(0.55) {
			emit("NetworkPolicy", g.networkPolicy(a))
		}
		if g.chance(0.25) {
			emit("RoleBinding", g.roleBinding(a))
		}
	case statefulApp:
		emit("StatefulSet", g.statefulSet(a))
		emit("Service", g.service(a, true))
		if g.chance(0.5) {
			emit("NetworkPolicy", g.networkPolicy(a))
		}
	case agentApp:
		emit("DaemonSet", g.daemonSet(a))
		if g.chance(0.5) {
			emit("RoleBinding", g.roleBinding(a))
		}
	case cronApp:
		emit("CronJob", g.cronJob(a))
	case jobApp:
		emit("Job", g.job(a))
	}
	return docs
}

func (g *gen) meta(a *app, name string, extraLabels bool) obj {
	labels := append(obj{}, a.labels...)
	if extraLabels {
		labels = append(labels,
			kv{"app.kubernetes.io/version", fmt.Sprintf("%d.%d.%d", 1+g.r.Intn(4), g.r.Intn(30), g.r.Intn(20))},
			kv{"app.kubernetes.io/managed-by", pick(g.r, []string{"Helm", "Helm", "kustomize", "argocd"})},
			kv{"helm.sh/chart", fmt.Sprintf("%s-%d.%d.%d", a.name, g.r.Intn(3), g.r.Intn(12), g.r.Intn(9))},
		)
	}
	m := obj{{"name", name}, {"namespace", a.ns}, {"labels", labels}}
	if g.chance(0.4) {
		m = m.set("annotations", obj{
			{"meta.helm.sh/release-name", a.name},
			{"meta.helm.sh/release-namespace", a.ns},
		})
	}
	return m
}

// annotate adds annotations to metadata md, merging with any it already has.
func annotate(md obj, anns ...kv) obj {
	for i, e := range md {
		if e.k == "annotations" {
			md[i].v = append(append(obj{}, e.v.(obj)...), anns...)
			return md
		}
	}
	return md.set("annotations", obj(anns))
}

func (g *gen) namespace(name string) obj {
	labels := obj{{"kubernetes.io/metadata.name", name}, {"team", name}}
	switch x := g.r.Float64(); {
	case x < 0.35:
		labels = append(labels,
			kv{"pod-security.kubernetes.io/enforce", "restricted"},
			kv{"pod-security.kubernetes.io/enforce-version", "latest"},
			kv{"pod-security.kubernetes.io/warn", "restricted"},
			kv{"pod-security.kubernetes.io/audit", "restricted"})
	case x < 0.6:
		labels = append(labels,
			kv{"pod-security.kubernetes.io/enforce", "baseline"},
			kv{"pod-security.kubernetes.io/warn", "restricted"})
	case x < 0.7:
		labels = append(labels, kv{"pod-security.kubernetes.io/enforce", "privileged"})
	}
	return obj{
		{"apiVersion", "v1"},
		{"kind", "Namespace"},
		{"metadata", obj{
			{"name", name},
			{"labels", labels},
			{"annotations", obj{{"owner", name + "-team@example.com"}, {"cost-center", "cc-" + strconv.Itoa(1000+g.r.Intn(9000))}}},
		}},
	}
}

func (g *gen) serviceAccount(a *app) obj {
	md := obj{{"name", a.sa}, {"namespace", a.ns}, {"labels", a.labels}}
	if g.chance(0.55) {
		md = md.set("annotations", obj{{"eks.amazonaws.com/role-arn", fmt.Sprintf("arn:aws:iam::%s:role/%s-%s-irsa", account, a.team, a.name)}})
	}
	o := obj{{"apiVersion", "v1"}, {"kind", "ServiceAccount"}, {"metadata", md}}
	if a.prof == hardened {
		o = o.set("automountServiceAccountToken", false)
	}
	return o
}

func (g *gen) configMap(a *app) obj {
	data := obj{
		{"LOG_FORMAT", "json"},
		{"LOG_LEVEL", pick(g.r, []string{"info", "info", "debug", "warn"})},
		{"HTTP_PORT", strconv.Itoa(a.port)},
	}
	if g.chance(0.7) {
		var sb strings.Builder
		fmt.Fprintf(&sb, "server:\n  port: %d\n  shutdownTimeout: 25s\n", a.port)
		fmt.Fprintf(&sb, "database:\n  host: %s-db.%s.svc.cluster.local\n  port: 5432\n  pool:\n    maxOpen: %d\n    maxIdle: %d\n", a.name, a.ns, 10+g.r.Intn(40), 2+g.r.Intn(8))
		fmt.Fprintf(&sb, "cache:\n  ttl: %ds\n  size: %d\n", 60*(1+g.r.Intn(10)), 1000*(1+g.r.Intn(50)))
		fmt.Fprintf(&sb, "features:\n")
		for range 2 + g.r.Intn(6) {
			fmt.Fprintf(&sb, "  %s: %v\n", pick(g.r, []string{"newCheckout", "asyncExport", "betaSearch", "rateLimit", "auditLog", "shadowWrites", "v2Pricing"})+strconv.Itoa(g.r.Intn(100)), g.chance(0.5))
		}
		data = data.set("application.yaml", block(sb.String()))
	}
	return obj{
		{"apiVersion", "v1"},
		{"kind", "ConfigMap"},
		{"metadata", obj{{"name", a.configMap}, {"namespace", a.ns}, {"labels", a.labels}}},
		{"data", data},
	}
}

func (g *gen) image(a *app, component string) string {
	var repo string
	switch x := g.r.Float64(); {
	case x < 0.7:
		repo = fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com/%s/%s", account, pick(g.r, regions), a.team, component)
	case x < 0.85:
		repo = "ghcr.io/example-org/" + component
	default:
		repo = "docker.io/exampleorg/" + component
	}
	if a.flaw.latestTag {
		if g.chance(0.5) {
			return repo
		}
		return repo + ":latest"
	}
	tag := fmt.Sprintf("v%d.%d.%d", 1+g.r.Intn(3), g.r.Intn(40), g.r.Intn(15))
	if g.chance(0.3) {
		tag = "sha-" + g.hex(7)
	}
	if a.prof == hardened && g.chance(0.5) {
		return repo + ":" + tag + "@sha256:" + g.hex(64)
	}
	return repo + ":" + tag
}

type envVar struct {
	name string
	val  func(g *gen, a *app) any // string or a valueFrom obj
}

func secretRef(name, key string) obj {
	return obj{{"secretKeyRef", obj{{"name", name}, {"key", key}}}}
}

var envPool = []envVar{
	{"LOG_LEVEL", func(g *gen, a *app) any { return pick(g.r, []string{"info", "debug", "warn"}) }},
	{"PORT", func(g *gen, a *app) any { return strconv.Itoa(a.port) }},
	{"ENVIRONMENT", func(g *gen, a *app) any { return "production" }},
	{"AWS_REGION", func(g *gen, a *app) any { return pick(g.r, regions) }},
	{"DB_HOST", func(g *gen, a *app) any { return a.name + "-db." + a.ns + ".svc.cluster.local" }},
	{"DB_PORT", func(g *gen, a *app) any { return "5432" }},
	{"DB_NAME", func(g *gen, a *app) any { return strings.ReplaceAll(a.name, "-", "_") }},
	{"DB_USER", func(g *gen, a *app) any { return secretRef(a.name+"-db", "username") }},
	{"DB_PASSWORD", func(g *gen, a *app) any { return secretRef(a.name+"-db", "password") }},
	{"REDIS_URL", func(g *gen, a *app) any { return "redis://redis-master." + a.ns + ".svc.cluster.local:6379/0" }},
	{"OTEL_EXPORTER_OTLP_ENDPOINT", func(g *gen, a *app) any { return "http://otel-collector.observability.svc.cluster.local:4317" }},
	{"OTEL_SERVICE_NAME", func(g *gen, a *app) any { return a.name }},
	{"OTEL_RESOURCE_ATTRIBUTES", func(g *gen, a *app) any { return "service.namespace=" + a.ns + ",deployment.environment=production" }},
	{"POD_NAME", func(g *gen, a *app) any { return obj{{"fieldRef", obj{{"fieldPath", "metadata.name"}}}} }},
	{"POD_NAMESPACE", func(g *gen, a *app) any { return obj{{"fieldRef", obj{{"fieldPath", "metadata.namespace"}}}} }},
	{"NODE_NAME", func(g *gen, a *app) any { return obj{{"fieldRef", obj{{"fieldPath", "spec.nodeName"}}}} }},
	{"GOMEMLIMIT", func(g *gen, a *app) any {
		return obj{{"resourceFieldRef", obj{{"resource", "limits.memory"}, {"divisor", "1"}}}}
	}},
	{"JAVA_TOOL_OPTIONS", func(g *gen, a *app) any { return "-XX:MaxRAMPercentage=75.0 -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError" }},
	{"KAFKA_BROKERS", func(g *gen, a *app) any {
		return "b-1.events.abc123.c2.kafka.us-east-1.amazonaws.com:9092,b-2.events.abc123.c2.kafka.us-east-1.amazonaws.com:9092"
	}},
	{"S3_BUCKET", func(g *gen, a *app) any { return a.team + "-" + a.name + "-artifacts-prod" }},
	{"SQS_QUEUE_URL", func(g *gen, a *app) any {
		return "https://sqs.us-east-1.amazonaws.com/" + account + "/" + a.name + "-events"
	}},
	{"API_KEY", func(g *gen, a *app) any { return secretRef(a.name+"-api", "key") }},
	{"SENTRY_DSN", func(g *gen, a *app) any { return secretRef("sentry", "dsn") }},
	{"CACHE_TTL_SECONDS", func(g *gen, a *app) any { return strconv.Itoa(60 * (1 + g.r.Intn(10))) }},
	{"MAX_CONNECTIONS", func(g *gen, a *app) any { return strconv.Itoa(50 + g.r.Intn(200)) }},
	{"HTTP_TIMEOUT", func(g *gen, a *app) any { return strconv.Itoa(5+g.r.Intn(55)) + "s" }},
	{"TZ", func(g *gen, a *app) any { return "UTC" }},
	{"FEATURE_FLAGS", func(g *gen, a *app) any { return "checkout-v2=on,search-beta=off" }},
}

func (g *gen) env(a *app) list {
	k := 2 + g.r.Intn(8)
	idx := g.r.Perm(len(envPool))[:k]
	var l list
	for _, i := range idx {
		e := envPool[i]
		switch v := e.val(g, a).(type) {
		case obj:
			l = append(l, obj{{"name", e.name}, {"valueFrom", v}})
		default:
			l = append(l, obj{{"name", e.name}, {"value", v}})
		}
	}
	return l
}

func (g *gen) resources(a *app, sidecar bool) (obj, bool) {
	if a.flaw.noResources {
		if g.chance(0.5) {
			return nil, false
		}
		return obj{{"requests", obj{{"cpu", "100m"}}}}, true // requests only, no memory limit
	}
	cpu := pick(g.r, []string{"50m", "100m", "250m", "500m", "1"})
	mem := pick(g.r, []string{"128Mi", "256Mi", "512Mi", "1Gi", "2Gi"})
	if sidecar {
		cpu, mem = "50m", "64Mi"
	}
	limits := obj{{"memory", mem}}
	if g.chance(0.4) {
		limits = obj{{"cpu", "2"}, {"memory", mem}}
	}
	if a.prof == partial && g.chance(0.3) {
		return obj{{"requests", obj{{"cpu", cpu}, {"memory", mem}}}}, true
	}
	return obj{{"requests", obj{{"cpu", cpu}, {"memory", mem}}}, {"limits", limits}}, true
}

func (g *gen) probe(path string, delay int) obj {
	if g.chance(0.15) {
		return obj{{"tcpSocket", obj{{"port", "http"}}}, {"initialDelaySeconds", delay}, {"periodSeconds", 10}}
	}
	return obj{
		{"httpGet", obj{{"path", path}, {"port", "http"}}},
		{"initialDelaySeconds", delay},
		{"periodSeconds", 10},
		{"failureThreshold", 3},
	}
}

func (g *gen) containerSecurityContext(a *app, init bool) (obj, bool) {
	f := a.flaw
	switch a.prof {
	case hardened:
		return obj{
			{"allowPrivilegeEscalation", false},
			{"readOnlyRootFilesystem", true},
			{"runAsNonRoot", true},
			{"capabilities", obj{{"drop", list{"ALL"}}}},
		}, true
	case partial:
		if g.chance(0.3) {
			return nil, false
		}
		sc := obj{{"allowPrivilegeEscalation", false}}
		if g.chance(0.5) {
			sc = sc.set("readOnlyRootFilesystem", g.chance(0.6))
		}
		if g.chance(0.5) {
			sc = sc.set("capabilities", obj{{"drop", list{"ALL"}}})
		}
		return sc, true
	}
	var sc obj
	if f.privileged && !init || f.privilegedInit && init {
		sc = sc.set("privileged", true)
	}
	if f.escalation {
		sc = sc.set("allowPrivilegeEscalation", true)
	}
	if f.runAsRoot {
		sc = sc.set("runAsUser", 0)
	}
	if f.capsAdd && !init {
		sc = sc.set("capabilities", obj{{"add", pick(g.r, []list{{"NET_ADMIN"}, {"SYS_ADMIN"}, {"NET_ADMIN", "SYS_ADMIN"}, {"NET_RAW"}, {"SYS_PTRACE"}})}})
	}
	if f.unconfinedSeccomp && !init {
		sc = sc.set("seccompProfile", obj{{"type", "Unconfined"}})
	}
	if len(sc) == 0 && g.chance(0.5) {
		sc = obj{{"readOnlyRootFilesystem", false}}
	}
	return sc, len(sc) > 0
}

func (g *gen) mainContainer(a *app, name string, probes bool) obj {
	c := obj{
		{"name", name},
		{"image", g.image(a, a.name)},
		{"imagePullPolicy", pick(g.r, []string{"IfNotPresent", "IfNotPresent", "Always"})},
	}
	if g.chance(0.3) {
		c = c.set("args", list{"--config=/etc/" + a.name + "/application.yaml", "--log-format=json", fmt.Sprintf("--metrics-addr=:%d", 9090)})
	}
	ports := list{obj{{"name", "http"}, {"containerPort", a.port}, {"protocol", "TCP"}}}
	if g.chance(0.5) {
		ports = append(ports, obj{{"name", "metrics"}, {"containerPort", 9090}, {"protocol", "TCP"}})
	}
	if a.flaw.hostPort {
		ports[0] = append(ports[0].(obj), kv{"hostPort", a.port})
	}
	c = c.set("ports", ports)
	c = c.set("env", g.env(a))
	if a.configMap != "" && g.chance(0.5) {
		c = c.set("envFrom", list{obj{{"configMapRef", obj{{"name", a.configMap}}}}})
	}
	if res, ok := g.resources(a, false); ok {
		c = c.set("resources", res)
	}
	if probes {
		c = c.set("livenessProbe", g.probe("/healthz", 10+5*g.r.Intn(6)))
		c = c.set("readinessProbe", g.probe("/ready", 5))
		if g.chance(0.15) {
			c = c.set("startupProbe", obj{{"httpGet", obj{{"path", "/healthz"}, {"port", "http"}}}, {"failureThreshold", 30}, {"periodSeconds", 5}})
		}
	}
	if g.chance(0.1) {
		c = c.set("lifecycle", obj{{"preStop", obj{{"exec", obj{{"command", list{"/bin/sh", "-c", "sleep 10"}}}}}}})
	}
	mounts := list{obj{{"name", "tmp"}, {"mountPath", "/tmp"}}}
	if a.configMap != "" {
		mounts = append(mounts, obj{{"name", "config"}, {"mountPath", "/etc/" + a.name}, {"readOnly", true}})
	}
	if g.chance(0.3) {
		mounts = append(mounts, obj{{"name", "secrets"}, {"mountPath", "/var/run/secrets/" + a.name}, {"readOnly", true}})
	}
	f := a.flaw
	if f.hostPathSocket {
		mounts = append(mounts, obj{{"name", "docker-sock"}, {"mountPath", "/var/run/docker.sock"}})
	}
	if f.hostPathLog {
		mounts = append(mounts, obj{{"name", "varlog"}, {"mountPath", "/host/var/log"}, {"readOnly", g.chance(0.5)}})
	}
	if f.hostPathRoot {
		mounts = append(mounts, obj{{"name", "host-root"}, {"mountPath", "/host"}})
	}
	if a.kind == statefulApp {
		mounts = append(mounts, obj{{"name", "data"}, {"mountPath", "/var/lib/" + a.name}})
	}
	c = c.set("volumeMounts", mounts)
	if sc, ok := g.containerSecurityContext(a, false); ok {
		c = c.set("securityContext", sc)
	}
	c = c.set("terminationMessagePolicy", "FallbackToLogsOnError")
	return c
}

func (g *gen) sidecar(a *app) obj {
	img := pick(g.r, []string{
		"public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.2",
		"envoyproxy/envoy:v1.29.2",
		"public.ecr.aws/aws-observability/aws-otel-collector:v0.38.1",
	})
	if a.flaw.latestTag && g.chance(0.5) {
		img = img[:strings.LastIndexByte(img, ':')] + ":latest"
	}
	c := obj{
		{"name", pick(g.r, []string{"log-router", "proxy", "otel-agent"})},
		{"image", img},
		{"args", list{"--config", "/etc/sidecar/config.yaml"}},
	}
	if res, ok := g.resources(a, true); ok {
		c = c.set("resources", res)
	}
	c = c.set("volumeMounts", list{obj{{"name", "tmp"}, {"mountPath", "/tmp"}}})
	if sc, ok := g.containerSecurityContext(a, false); ok {
		c = c.set("securityContext", sc)
	}
	return c
}

func (g *gen) initContainer(a *app) obj {
	c := obj{
		{"name", pick(g.r, []string{"migrate", "wait-for-db", "init-config", "setup"})},
		{"image", g.image(a, a.name+"-migrations")},
		{"command", list{"/bin/sh", "-c"}},
		{"args", list{"until nc -z " + a.name + "-db 5432; do echo waiting; sleep 2; done"}},
	}
	if res, ok := g.resources(a, true); ok {
		c = c.set("resources", res)
	}
	if sc, ok := g.containerSecurityContext(a, true); ok {
		c = c.set("securityContext", sc)
	}
	return c
}

func (g *gen) podSpec(a *app, containerName string, restartPolicy string) obj {
	f := a.flaw
	var s obj
	if a.sa != "" {
		s = s.set("serviceAccountName", a.sa)
	} else if f.defaultSA && g.chance(0.5) {
		s = s.set("serviceAccountName", "default")
	}
	if a.prof == hardened {
		s = s.set("automountServiceAccountToken", false)
		s = s.set("enableServiceLinks", false)
	}
	if f.hostNetwork {
		s = s.set("hostNetwork", true).set("dnsPolicy", "ClusterFirstWithHostNet")
	}
	if f.hostPID {
		s = s.set("hostPID", true)
	}
	if f.hostIPC {
		s = s.set("hostIPC", true)
	}
	switch a.prof {
	case hardened:
		s = s.set("securityContext", obj{
			{"runAsNonRoot", true},
			{"runAsUser", 10001},
			{"runAsGroup", 10001},
			{"fsGroup", 10001},
			{"seccompProfile", obj{{"type", "RuntimeDefault"}}},
		})
	case partial:
		if g.chance(0.6) {
			s = s.set("securityContext", obj{{"runAsNonRoot", true}, {"runAsUser", 1000}, {"fsGroup", 2000}})
		}
	}
	if g.chance(0.4) {
		s = s.set("nodeSelector", obj{{"kubernetes.io/os", "linux"}, {"karpenter.sh/capacity-type", pick(g.r, []string{"on-demand", "spot"})}})
	}
	if a.kind == agentApp {
		s = s.set("tolerations", list{obj{{"operator", "Exists"}}})
		s = s.set("priorityClassName", "system-node-critical")
	} else if g.chance(0.15) {
		s = s.set("affinity", obj{{"podAntiAffinity", obj{{"preferredDuringSchedulingIgnoredDuringExecution", list{obj{
			{"weight", 100},
			{"podAffinityTerm", obj{
				{"labelSelector", obj{{"matchLabels", obj{{"app.kubernetes.io/name", a.name}}}}},
				{"topologyKey", "topology.kubernetes.io/zone"},
			}},
		}}}}}})
	}
	if a.kind == webApp && g.chance(0.15) {
		s = s.set("topologySpreadConstraints", list{obj{
			{"maxSkew", 1},
			{"topologyKey", "kubernetes.io/hostname"},
			{"whenUnsatisfiable", "ScheduleAnyway"},
			{"labelSelector", obj{{"matchLabels", obj{{"app.kubernetes.io/name", a.name}}}}},
		}})
	}
	if restartPolicy != "" {
		s = s.set("restartPolicy", restartPolicy)
	}
	s = s.set("terminationGracePeriodSeconds", pick(g.r, []int{30, 30, 60, 120}))
	if f.privilegedInit || g.chance(0.12) {
		s = s.set("initContainers", list{g.initContainer(a)})
	}
	containers := list{g.mainContainer(a, containerName, restartPolicy == "")}
	if g.chance(0.15) {
		containers = append(containers, g.sidecar(a))
	}
	s = s.set("containers", containers)
	vols := list{obj{{"name", "tmp"}, {"emptyDir", obj{{"sizeLimit", "256Mi"}}}}}
	if a.configMap != "" {
		vols = append(vols, obj{{"name", "config"}, {"configMap", obj{{"name", a.configMap}, {"defaultMode", 0o444}}}})
	}
	vols = append(vols, obj{{"name", "secrets"}, {"secret", obj{{"secretName", a.name + "-secrets"}, {"optional", true}}}})
	if f.hostPathSocket {
		vols = append(vols, obj{{"name", "docker-sock"}, {"hostPath", obj{{"path", "/var/run/docker.sock"}, {"type", "Socket"}}}})
	}
	if f.hostPathLog {
		vols = append(vols, obj{{"name", "varlog"}, {"hostPath", obj{{"path", "/var/log"}}}})
	}
	if f.hostPathRoot {
		vols = append(vols, obj{{"name", "host-root"}, {"hostPath", obj{{"path", "/"}}}})
	}
	s = s.set("volumes", vols)
	return s
}

func (g *gen) template(a *app, containerName, restartPolicy string) obj {
	ann := obj{{"checksum/config", g.hex(64)}}
	if g.chance(0.5) {
		ann = append(ann, kv{"prometheus.io/scrape", "true"}, kv{"prometheus.io/port", "9090"}, kv{"prometheus.io/path", "/metrics"})
	}
	if g.chance(0.2) {
		ann = append(ann, kv{"kubectl.kubernetes.io/restartedAt", fmt.Sprintf("2024-%02d-%02dT%02d:%02d:%02dZ", 1+g.r.Intn(12), 1+g.r.Intn(28), g.r.Intn(24), g.r.Intn(60), g.r.Intn(60))})
	}
	return obj{
		{"metadata", obj{{"labels", a.labels}, {"annotations", ann}}},
		{"spec", g.podSpec(a, containerName, restartPolicy)},
	}
}

func (g *gen) selector(a *app) obj {
	return obj{{"matchLabels", obj{{"app.kubernetes.io/name", a.name}, {"app.kubernetes.io/instance", a.labels[1].v}}}}
}

func (g *gen) deployment(a *app, name string) obj {
	md := g.meta(a, name, true)
	if g.chance(0.5) {
		md = annotate(md, kv{"deployment.kubernetes.io/revision", strconv.Itoa(1 + g.r.Intn(40))})
	}
	return obj{
		{"apiVersion", "apps/v1"},
		{"kind", "Deployment"},
		{"metadata", md},
		{"spec", obj{
			{"replicas", pick(g.r, []int{1, 2, 2, 3, 3, 4, 6})},
			{"revisionHistoryLimit", 10},
			{"selector", g.selector(a)},
			{"strategy", obj{{"type", "RollingUpdate"}, {"rollingUpdate", obj{{"maxSurge", "25%"}, {"maxUnavailable", 0}}}}},
			{"template", g.template(a, "app", "")},
		}},
	}
}

func (g *gen) statefulSet(a *app) obj {
	return obj{
		{"apiVersion", "apps/v1"},
		{"kind", "StatefulSet"},
		{"metadata", g.meta(a, a.name, true)},
		{"spec", obj{
			{"serviceName", a.name + "-headless"},
			{"replicas", 3},
			{"podManagementPolicy", "Parallel"},
			{"selector", g.selector(a)},
			{"updateStrategy", obj{{"type", "RollingUpdate"}}},
			{"template", g.template(a, a.name, "")},
			{"volumeClaimTemplates", list{obj{
				{"metadata", obj{{"name", "data"}}},
				{"spec", obj{
					{"accessModes", list{"ReadWriteOnce"}},
					{"storageClassName", "gp3"},
					{"resources", obj{{"requests", obj{{"storage", pick(g.r, []string{"10Gi", "20Gi", "50Gi", "100Gi"})}}}}},
				}},
			}}},
		}},
	}
}

func (g *gen) daemonSet(a *app) obj {
	return obj{
		{"apiVersion", "apps/v1"},
		{"kind", "DaemonSet"},
		{"metadata", g.meta(a, a.name, true)},
		{"spec", obj{
			{"selector", g.selector(a)},
			{"updateStrategy", obj{{"type", "RollingUpdate"}, {"rollingUpdate", obj{{"maxUnavailable", "10%"}}}}},
			{"template", g.template(a, a.name, "")},
		}},
	}
}

func (g *gen) cronJob(a *app) obj {
	schedule := pick(g.r, []string{"*/15 * * * *", "0 * * * *", "30 2 * * *", "0 */6 * * *", "5 4 * * 1"})
	return obj{
		{"apiVersion", "batch/v1"},
		{"kind", "CronJob"},
		{"metadata", g.meta(a, a.name, true)},
		{"spec", obj{
			{"schedule", schedule},
			{"timeZone", "Etc/UTC"},
			{"concurrencyPolicy", "Forbid"},
			{"startingDeadlineSeconds", 300},
			{"successfulJobsHistoryLimit", 3},
			{"failedJobsHistoryLimit", 1},
			{"jobTemplate", obj{{"spec", obj{
				{"backoffLimit", 2},
				{"activeDeadlineSeconds", 3600},
				{"template", g.template(a, a.name, "OnFailure")},
			}}}},
		}},
	}
}

func (g *gen) job(a *app) obj {
	return obj{
		{"apiVersion", "batch/v1"},
		{"kind", "Job"},
		{"metadata", g.meta(a, a.name+"-"+g.hex(5), true)},
		{"spec", obj{
			{"backoffLimit", 4},
			{"ttlSecondsAfterFinished", 86400},
			{"template", g.template(a, a.name, "Never")},
		}},
	}
}

func (g *gen) service(a *app, headless bool) obj {
	md := g.meta(a, a.name, false)
	spec := obj{{"type", "ClusterIP"}}
	if headless {
		md[0].v = a.name + "-headless"
		spec = spec.set("clusterIP", "None")
	} else if g.chance(0.1) {
		spec[0].v = "LoadBalancer"
		md = annotate(md,
			kv{"service.beta.kubernetes.io/aws-load-balancer-type", "external"},
			kv{"service.beta.kubernetes.io/aws-load-balancer-nlb-target-type", "ip"},
			kv{"service.beta.kubernetes.io/aws-load-balancer-scheme", pick(g.r, []string{"internal", "internet-facing"})},
		)
	}
	ports := list{obj{{"name", "http"}, {"port", 80}, {"targetPort", "http"}, {"protocol", "TCP"}}}
	if g.chance(0.4) {
		ports = append(ports, obj{{"name", "metrics"}, {"port", 9090}, {"targetPort", 9090}, {"protocol", "TCP"}})
	}
	spec = spec.set("ports", ports).set("selector", obj{{"app.kubernetes.io/name", a.name}})
	return obj{{"apiVersion", "v1"}, {"kind", "Service"}, {"metadata", md}, {"spec", spec}}
}

func (g *gen) hpa(a *app) obj {
	metrics := list{obj{{"type", "Resource"}, {"resource", obj{{"name", "cpu"}, {"target", obj{{"type", "Utilization"}, {"averageUtilization", pick(g.r, []int{60, 70, 75, 80})}}}}}}}
	if g.chance(0.5) {
		metrics = append(metrics, obj{{"type", "Resource"}, {"resource", obj{{"name", "memory"}, {"target", obj{{"type", "Utilization"}, {"averageUtilization", 80}}}}}})
	}
	spec := obj{
		{"scaleTargetRef", obj{{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", a.name}}},
		{"minReplicas", 2},
		{"maxReplicas", pick(g.r, []int{6, 10, 20, 40})},
		{"metrics", metrics},
	}
	if g.chance(0.4) {
		spec = spec.set("behavior", obj{{"scaleDown", obj{{"stabilizationWindowSeconds", 300}, {"policies", list{obj{{"type", "Percent"}, {"value", 50}, {"periodSeconds", 60}}}}}}})
	}
	return obj{{"apiVersion", "autoscaling/v2"}, {"kind", "HorizontalPodAutoscaler"}, {"metadata", g.meta(a, a.name, false)}, {"spec", spec}}
}

func (g *gen) ingress(a *app) obj {
	md := g.meta(a, a.name, false)
	host := a.name + "." + a.team + ".example.com"
	md = annotate(md,
		kv{"alb.ingress.kubernetes.io/scheme", pick(g.r, []string{"internet-facing", "internal"})},
		kv{"alb.ingress.kubernetes.io/target-type", "ip"},
		kv{"alb.ingress.kubernetes.io/listen-ports", `[{"HTTPS":443}]`},
		kv{"alb.ingress.kubernetes.io/certificate-arn", fmt.Sprintf("arn:aws:acm:us-east-1:%s:certificate/%s-%s-%s-%s-%s", account, g.hex(8), g.hex(4), g.hex(4), g.hex(4), g.hex(12))},
		kv{"alb.ingress.kubernetes.io/group.name", a.team},
		kv{"alb.ingress.kubernetes.io/healthcheck-path", "/healthz"},
	)
	return obj{
		{"apiVersion", "networking.k8s.io/v1"},
		{"kind", "Ingress"},
		{"metadata", md},
		{"spec", obj{
			{"ingressClassName", "alb"},
			{"tls", list{obj{{"hosts", list{host}}}}},
			{"rules", list{obj{
				{"host", host},
				{"http", obj{{"paths", list{obj{
					{"path", "/"},
					{"pathType", "Prefix"},
					{"backend", obj{{"service", obj{{"name", a.name}, {"port", obj{{"name", "http"}}}}}}},
				}}}}},
			}}},
		}},
	}
}

func (g *gen) networkPolicy(a *app) obj {
	return obj{
		{"apiVersion", "networking.k8s.io/v1"},
		{"kind", "NetworkPolicy"},
		{"metadata", g.meta(a, a.name, false)},
		{"spec", obj{
			{"podSelector", obj{{"matchLabels", obj{{"app.kubernetes.io/name", a.name}}}}},
			{"policyTypes", list{"Ingress", "Egress"}},
			{"ingress", list{obj{
				{"from", list{
					obj{{"namespaceSelector", obj{{"matchLabels", obj{{"kubernetes.io/metadata.name", "ingress-nginx"}}}}}},
					obj{{"podSelector", obj{{"matchLabels", obj{{"app.kubernetes.io/part-of", a.team}}}}}},
				}},
				{"ports", list{obj{{"protocol", "TCP"}, {"port", a.port}}}},
			}}},
			{"egress", list{
				obj{
					{"to", list{obj{{"namespaceSelector", obj{{"matchLabels", obj{{"kubernetes.io/metadata.name", "kube-system"}}}}}, {"podSelector", obj{{"matchLabels", obj{{"k8s-app", "kube-dns"}}}}}}}},
					{"ports", list{obj{{"protocol", "UDP"}, {"port", 53}}, obj{{"protocol", "TCP"}, {"port", 53}}}},
				},
				obj{
					{"to", list{obj{{"ipBlock", obj{{"cidr", "0.0.0.0/0"}, {"except", list{"169.254.169.254/32"}}}}}}},
					{"ports", list{obj{{"protocol", "TCP"}, {"port", 443}}}},
				},
			}},
		}},
	}
}

func (g *gen) roleBinding(a *app) obj {
	subject := a.sa
	if subject == "" {
		subject = "default"
	}
	role := pick(g.r, []obj{
		{{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", "view"}},
		{{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", "edit"}},
		{{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "Role"}, {"name", a.name + "-reader"}},
	})
	return obj{
		{"apiVersion", "rbac.authorization.k8s.io/v1"},
		{"kind", "RoleBinding"},
		{"metadata", g.meta(a, a.name, false)},
		{"roleRef", role},
		{"subjects", list{obj{{"kind", "ServiceAccount"}, {"name", subject}, {"namespace", a.ns}}}},
	}
}
