package runtime

import (
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/fieldpath"
	"github.com/eksguard/eksguard/internal/inventory"
)

// runtimeSensorCoverage: EKS-RUN-004.
//
// Required: a runtime threat-detection sensor runs on every Linux EC2 node (Node objects
// without the eks.amazonaws.com/compute-type label fargate or auto, and not Windows). A
// sensor is a DaemonSet whose name or a container image contains (case-insensitively)
// aws-guardduty-agent, falco, tetragon, sysdig, aqua-enforcer, twistlock-defender,
// prisma-defender, crowdstrike/falcon-sensor, falcon-sensor, wiz-sensor, tracee or kubearmor,
// or a Datadog agent (name or image contains datadog) with a container setting
// DD_RUNTIME_SECURITY_CONFIG_ENABLED=true. Without one, process, file and network activity
// on the nodes (a reverse shell, a crypto miner, a container escape) goes unnoticed.
//
// Fails (one finding) when no sensor DaemonSet exists, at the first Linux EC2 Node. Fails when
// nodes are missed: a node is covered when some sensor's pod template can be scheduled there:
// its nodeSelector and required node affinity match the node's labels (and name), and its
// tolerations tolerate every NoSchedule/NoExecute taint of the node, except the condition and
// lifecycle taints the DaemonSet controller tolerates itself or that mark a node joining or
// leaving (node.kubernetes.io/*, node.cloudprovider.kubernetes.io/uninitialized,
// karpenter.sh/disrupted, karpenter.sh/unregistered, ToBeDeletedByClusterAutoscaler).
// Missed nodes are reported on the sensor that covers most nodes, one finding per excluding
// field (its tolerations, a nodeSelector key, its required node affinity), naming the nodes.
// When that sensor alone covers every node and its status was collected, a
// status.desiredNumberScheduled below the number of Linux EC2 nodes fails too.
//
// Decisions: the catalogue passes this check whenever GuardDuty Runtime Monitoring covers
// the cluster (EKS-RUN-003), which needs the GuardDuty API. Without AWS data the GuardDuty
// agent DaemonSet (aws-guardduty-agent, installed by the add-on or by automated agent
// management) is the evidence of that, and is held to the same coverage test. The check
// applies only when the input has Node objects (a live scan, or a dump that includes
// nodes): the manifests of an application say nothing about what runs on the cluster's
// nodes, and the node count is needed for the comparison. Inputs whose nodes are all
// Fargate, Auto Mode or Windows have nothing to evaluate.
var runtimeSensorCoverage = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-RUN-004",
		Slug:        "runtime-sensor-coverage",
		Title:       "A runtime threat-detection agent must run on every node",
		Section:     "runtime",
		Severity:    check.Medium,
		Source:      check.SourceK8sObjects,
		Remediation: "Enable GuardDuty Runtime Monitoring or deploy a third-party runtime sensor with tolerations for all node taints.",
		References: check.References{
			Guide: "runtime#optionally-use-a-3rd-party-solution-for-runtime-monitoring",
		},
		SystemNamespaces: check.CheckSystemNamespaces,
	},
	Reads: []string{"Node", "DaemonSet"},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		nodes := linuxEC2Nodes(inv)
		if len(nodes) == 0 {
			return
		}
		r.Evaluated(len(nodes))
		sensors := runtimeSensors(inv)
		if len(sensors) == 0 {
			r.Fail(nodes[0], fieldpath.Root, "no runtime threat-detection agent DaemonSet (GuardDuty agent, Falco, Tetragon, ...) in the input: none of the "+
				strconv.Itoa(len(nodes))+" Linux EC2 nodes is monitored")
			return
		}
		type coverage struct {
			sensor  inventory.PodSpecRef
			covered int
			missed  map[*inventory.Object]exclusion
		}
		var best *coverage
		coveredByAny := map[*inventory.Object]bool{}
		for _, s := range sensors {
			cov := &coverage{sensor: s, missed: map[*inventory.Object]exclusion{}}
			for _, n := range nodes {
				if why, excluded := excludedFrom(s, n.Typed.(*corev1.Node)); excluded {
					cov.missed[n] = why
				} else {
					cov.covered++
					coveredByAny[n] = true
				}
			}
			if best == nil || cov.covered > best.covered {
				best = cov
			}
		}
		ds := best.sensor.Object
		what := "runtime sensor DaemonSet " + strconv.Quote(ds.Name)
		if len(coveredByAny) == len(nodes) {
			st := ds.Typed.(*appsv1.DaemonSet).Status
			collected := st.ObservedGeneration > 0 || st.DesiredNumberScheduled > 0 || st.CurrentNumberScheduled > 0 || st.NumberReady > 0
			if len(best.missed) == 0 && collected && int(st.DesiredNumberScheduled) < len(nodes) {
				r.Fail(ds, fieldpath.Root.Key("status").Key("desiredNumberScheduled"), what+" is scheduled on "+
					strconv.Itoa(int(st.DesiredNumberScheduled))+" nodes, but the input has "+strconv.Itoa(len(nodes))+" Linux EC2 nodes")
			}
			return
		}
		// Nodes no sensor reaches, grouped by the field of the best sensor that excludes them.
		var order []fieldpath.Path
		groups := map[fieldpath.Path][]string{}
		for _, n := range nodes {
			if coveredByAny[n] {
				continue
			}
			why := best.missed[n]
			if _, seen := groups[why.Path]; !seen {
				order = append(order, why.Path)
			}
			groups[why.Path] = append(groups[why.Path], n.Name+" ("+why.Reason+")")
		}
		others := ""
		if len(sensors) > 1 {
			others = "; no other runtime sensor covers them"
		}
		for _, at := range order {
			missed := groups[at]
			r.Fail(ds, at, what+" cannot run on "+strconv.Itoa(len(missed))+" of "+strconv.Itoa(len(nodes))+
				" Linux EC2 nodes: "+nodeList(missed, 10)+others)
		}
	},
}

// sensorKeywords name runtime sensors; a DaemonSet whose name or an image contains one is a sensor.
var sensorKeywords = []string{
	"aws-guardduty-agent", "falco", "tetragon", "sysdig", "aqua-enforcer", "twistlock-defender",
	"prisma-defender", "crowdstrike/falcon-sensor", "falcon-sensor", "wiz-sensor", "tracee", "kubearmor",
}

// runtimeSensors returns the pod templates of the sensor DaemonSets of the input.
func runtimeSensors(inv *inventory.Inventory) []inventory.PodSpecRef {
	var out []inventory.PodSpecRef
	for _, o := range inv.OfKind("DaemonSet") {
		p, ok := inventory.PodSpecOf(o)
		if ok && isRuntimeSensor(p) {
			out = append(out, p)
		}
	}
	return out
}

func isRuntimeSensor(p inventory.PodSpecRef) bool {
	names := []string{strings.ToLower(p.Object.Name)}
	datadogCWS := false
	for _, c := range p.RegularContainers() {
		names = append(names, strings.ToLower(c.Image))
		for _, e := range c.Env {
			if e.Name == "DD_RUNTIME_SECURITY_CONFIG_ENABLED" && strings.EqualFold(e.Value, "true") {
				datadogCWS = true
			}
		}
	}
	for _, n := range names {
		for _, k := range sensorKeywords {
			if strings.Contains(n, k) {
				return true
			}
		}
		if datadogCWS && strings.Contains(n, "datadog") {
			return true
		}
	}
	return false
}

func init() { check.Register(runtimeSensorCoverage) }
