package aws_test

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	cfgtypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	gdtypes "github.com/aws/aws-sdk-go-v2/service/guardduty/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/inspector2"
	inspectortypes "github.com/aws/aws-sdk-go-v2/service/inspector2/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eksguard/eksguard/internal/inventory"
	awssource "github.com/eksguard/eksguard/internal/source/aws"
	"github.com/eksguard/eksguard/internal/source/aws/awstest"
)

var srv *awstest.Server

func TestMain(m *testing.M) {
	os.Exit(awstest.Run(m, func(s *awstest.Server) error { srv = s; return nil }))
}

// calls records the IAM actions of a collection.
type calls struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *calls) record(action string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[action]++
}

func (c *calls) actions() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for a := range c.n {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// options are collector options for a test account.
func options(acct *awstest.Account, cluster string, rec *calls) awssource.Options {
	o := awssource.Options{ClusterName: cluster, Region: awstest.Region, BaseEndpoint: srv.URL, QueryPoll: 10 * time.Millisecond,
		Credentials: awstest.Credentials, APIOptions: acct.APIOptions(), MaxBackoff: 50 * time.Millisecond,
		Kubeconfig: os.DevNull}
	if rec != nil {
		o.OnCall = rec.record
	}
	return o
}

// fullAccount creates a cluster that exercises every collector: node groups with launch
// templates and instances, add-ons, access entries, Pod Identity, IRSA, ECR, KMS, CloudTrail
// and GuardDuty.
func fullAccount(t *testing.T, ctx context.Context) (*awstest.Account, *awstest.Cluster, *inventory.Inventory) {
	t.Helper()
	acct := srv.NewAccount(t)
	cl, err := acct.CreateCluster(ctx, awstest.ClusterSpec{Name: "prod", Public: true, Private: true, Logging: []string{"audit"},
		Encrypt: true, Nodegroups: 2, Version: "1.31"})
	if err != nil {
		t.Fatal(err)
	}
	fargateRole, err := acct.CreateRole(ctx, "prod-fargate", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"eks-fargate-pods.amazonaws.com"},"Action":"sts:AssumeRole"}]}`, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := acct.Clients().EKS.CreateFargateProfile(ctx, &eks.CreateFargateProfileInput{ClusterName: sdkaws.String("prod"), FargateProfileName: sdkaws.String("batch"),
		PodExecutionRoleArn: &fargateRole, Subnets: cl.Subnets, Selectors: []ekstypes.FargateProfileSelector{{Namespace: sdkaws.String("batch")}}}); err != nil {
		t.Fatal(err)
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::` + acct.ID + `:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/X"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"oidc.eks.us-east-1.amazonaws.com/id/X:sub":"system:serviceaccount:shop:web"}}}]}`
	irsa, err := acct.CreateRole(ctx, "shop-web", trust, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := acct.CreatePolicy(ctx, "shop-web", "shop-web-s3", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}`); err != nil {
		t.Fatal(err)
	}
	pod, err := acct.CreateRole(ctx, "shop-worker", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`, "")
	if err != nil {
		t.Fatal(err)
	}
	acct.AddPodIdentityAssociation("prod", ekstypes.PodIdentityAssociation{Namespace: sdkaws.String("shop"), ServiceAccount: sdkaws.String("worker"), RoleArn: &pod})
	acct.AddAccessEntry("prod", ekstypes.AccessEntry{PrincipalArn: sdkaws.String("arn:aws:iam::" + acct.ID + ":role/admin")},
		ekstypes.AssociatedAccessPolicy{PolicyArn: sdkaws.String("arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"), AccessScope: &ekstypes.AccessScope{Type: ekstypes.AccessScopeTypeCluster}})
	acct.AddAccessEntry("prod", ekstypes.AccessEntry{PrincipalArn: &cl.NodeRoleARN, Type: sdkaws.String("EC2_LINUX")})
	acct.AddAddon("prod", ekstypes.Addon{AddonName: sdkaws.String("vpc-cni"), AddonVersion: sdkaws.String("v1.18.0-eksbuild.1")})
	acct.SetAddonVersions(ekstypes.AddonInfo{AddonName: sdkaws.String("vpc-cni"), AddonVersions: []ekstypes.AddonVersionInfo{
		{AddonVersion: sdkaws.String("v1.19.0-eksbuild.1"), Compatibilities: []ekstypes.Compatibility{{ClusterVersion: sdkaws.String("1.31"), DefaultVersion: true}}},
		{AddonVersion: sdkaws.String("v1.18.0-eksbuild.1"), Compatibilities: []ekstypes.Compatibility{{ClusterVersion: sdkaws.String("1.31")}}}}})
	acct.SetClusterVersions(ekstypes.ClusterVersionInformation{ClusterVersion: sdkaws.String("1.31"), VersionStatus: ekstypes.VersionStatusStandardSupport})
	// The last successful version update is the second; a newer one failed, and a newer
	// logging update is not a version update.
	for _, u := range []ekstypes.Update{
		{Type: ekstypes.UpdateTypeVersionUpdate, Status: ekstypes.UpdateStatusSuccessful, CreatedAt: sdkaws.Time(time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC))},
		{Type: ekstypes.UpdateTypeVersionUpdate, Status: ekstypes.UpdateStatusSuccessful, CreatedAt: sdkaws.Time(lastVersionUpdate)},
		{Type: ekstypes.UpdateTypeVersionUpdate, Status: ekstypes.UpdateStatusFailed, CreatedAt: sdkaws.Time(time.Date(2025, 9, 2, 10, 0, 0, 0, time.UTC))},
		{Type: ekstypes.UpdateTypeLoggingUpdate, Status: ekstypes.UpdateStatusSuccessful, CreatedAt: sdkaws.Time(time.Date(2025, 9, 3, 10, 0, 0, 0, time.UTC))},
	} {
		acct.AddUpdate("prod", u)
	}
	for _, repo := range []string{"shop/web", "shop/worker"} {
		if err := acct.CreateRepository(ctx, repo, `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":14},"action":{"type":"expire"}}]}`, ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := acct.CreateTrail(ctx, "main"); err != nil {
		t.Fatal(err)
	}
	bucket := sdkaws.String("main-" + acct.ID) // CreateTrail's bucket
	s3c := acct.Clients().S3
	if _, err := s3c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: bucket, PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{
		BlockPublicAcls: sdkaws.Bool(true), IgnorePublicAcls: sdkaws.Bool(true), BlockPublicPolicy: sdkaws.Bool(true), RestrictPublicBuckets: sdkaws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s3c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: bucket, VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s3c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: bucket, Policy: sdkaws.String(`{"Version":"2012-10-17","Statement":[{"Sid":"trail","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::` + *bucket + `/AWSLogs/*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := acct.CreateDetector(ctx); err != nil {
		t.Fatal(err)
	}
	acct.AddCoverage(gdtypes.CoverageResource{ResourceId: sdkaws.String("prod"), CoverageStatus: gdtypes.CoverageStatusHealthy,
		ResourceDetails: &gdtypes.CoverageResourceDetails{ResourceType: gdtypes.ResourceTypeEks, EksClusterDetails: &gdtypes.CoverageEksClusterDetails{
			ClusterName: sdkaws.String("prod"), CompatibleNodes: sdkaws.Int64(2), CoveredNodes: sdkaws.Int64(2), ManagementType: gdtypes.ManagementTypeAutoManaged}}})
	acct.AddCoverage(gdtypes.CoverageResource{ResourceId: sdkaws.String("other"), CoverageStatus: gdtypes.CoverageStatusUnhealthy,
		ResourceDetails: &gdtypes.CoverageResourceDetails{ResourceType: gdtypes.ResourceTypeEks, EksClusterDetails: &gdtypes.CoverageEksClusterDetails{ClusterName: sdkaws.String("other")}}})
	logs := cloudwatchlogs.NewFromConfig(acct.Config())
	for _, g := range []string{"/aws/eks/prod/cluster", "/aws/eks/prod/cluster-other"} {
		if _, err := logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: sdkaws.String(g)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := logs.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: sdkaws.String("/aws/eks/prod/cluster"), RetentionInDays: sdkaws.Int32(90)}); err != nil {
		t.Fatal(err)
	}
	if _, err := logs.PutMetricFilter(ctx, &cloudwatchlogs.PutMetricFilterInput{LogGroupName: sdkaws.String("/aws/eks/prod/cluster"), FilterName: sdkaws.String("anonymous"),
		FilterPattern:         sdkaws.String(`{ $.user.username = "system:anonymous" }`),
		MetricTransformations: []cwltypes.MetricTransformation{{MetricName: sdkaws.String("AnonymousRequests"), MetricNamespace: sdkaws.String("EKS/prod"), MetricValue: sdkaws.String("1")}}}); err != nil {
		t.Fatal(err)
	}
	acct.SetQueryResults(1,
		map[string]string{"user.username": "system:serviceaccount:kube-system:external-secrets", "verb": "watch", "requests": "412"},
		map[string]string{"user.username": "alice", "objectRef.namespace": "shop", "verb": "get", "requests": "3"})
	acct.AddAlarm(cwtypes.MetricAlarm{AlarmName: sdkaws.String("anonymous"), MetricName: sdkaws.String("AnonymousRequests"), Namespace: sdkaws.String("EKS/prod"),
		ActionsEnabled: sdkaws.Bool(true), StateValue: cwtypes.StateValueOk})
	if _, err := inspector2.NewFromConfig(acct.Config()).Enable(ctx, &inspector2.EnableInput{AccountIds: []string{acct.ID},
		ResourceTypes: []inspectortypes.ResourceScanType{inspectortypes.ResourceScanTypeEc2, inspectortypes.ResourceScanTypeEcr}}); err != nil {
		t.Fatal(err)
	}
	for _, id := range cl.Instances {
		acct.AddManagedInstance(ssmtypes.InstanceInformation{InstanceId: sdkaws.String(id), PingStatus: ssmtypes.PingStatusOnline, PlatformName: sdkaws.String("Amazon Linux")})
		acct.AddInspectorCoverage(inspectortypes.CoveredResource{AccountId: sdkaws.String(acct.ID), ResourceId: sdkaws.String(id), ResourceType: inspectortypes.CoverageResourceTypeAwsEc2Instance,
			ScanType: inspectortypes.ScanTypePackage, ScanStatus: &inspectortypes.ScanStatus{StatusCode: inspectortypes.ScanStatusCodeActive, Reason: inspectortypes.ScanStatusReasonSuccessful}})
	}
	acct.AddInspectorCoverage(inspectortypes.CoveredResource{AccountId: sdkaws.String(acct.ID), ResourceId: sdkaws.String("i-0another"), ResourceType: inspectortypes.CoverageResourceTypeAwsEc2Instance})
	acct.AddDetectiveGraph(map[string]string{"DETECTIVE_CORE": "STARTED", "EKS_AUDIT": "STARTED"})
	if _, err := securityhub.NewFromConfig(acct.Config()).EnableSecurityHub(ctx, &securityhub.EnableSecurityHubInput{EnableDefaultStandards: sdkaws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	acct.EnableStandard("arn:aws:securityhub:" + awstest.Region + "::standards/aws-foundational-security-best-practices/v/1.0.0")
	cfgsvc := configservice.NewFromConfig(acct.Config())
	if _, err := cfgsvc.PutConfigurationRecorder(ctx, &configservice.PutConfigurationRecorderInput{ConfigurationRecorder: &cfgtypes.ConfigurationRecorder{
		Name: sdkaws.String("default"), RoleARN: sdkaws.String("arn:aws:iam::" + acct.ID + ":role/config"),
		RecordingGroup: &cfgtypes.RecordingGroup{AllSupported: true, IncludeGlobalResourceTypes: true}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := cfgsvc.PutDeliveryChannel(ctx, &configservice.PutDeliveryChannelInput{DeliveryChannel: &cfgtypes.DeliveryChannel{Name: sdkaws.String("default"), S3BucketName: sdkaws.String("config-" + acct.ID)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := cfgsvc.StartConfigurationRecorder(ctx, &configservice.StartConfigurationRecorderInput{ConfigurationRecorderName: sdkaws.String("default")}); err != nil {
		t.Fatal(err)
	}
	events := eventbridge.NewFromConfig(acct.Config())
	for name, pattern := range map[string]string{"guardduty-findings": `{"source":["aws.guardduty"],"detail-type":["GuardDuty Finding"]}`, "ec2-state": `{"source":["aws.ec2"]}`} {
		if _, err := events.PutRule(ctx, &eventbridge.PutRuleInput{Name: sdkaws.String(name), EventPattern: sdkaws.String(pattern)}); err != nil {
			t.Fatal(err)
		}
		if _, err := events.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: sdkaws.String(name), Targets: []ebtypes.Target{
			{Id: sdkaws.String("oncall"), Arn: sdkaws.String("arn:aws:sns:" + awstest.Region + ":" + acct.ID + ":oncall")}}}); err != nil {
			t.Fatal(err)
		}
	}
	acct.AddEventDataStore(awstest.EventDataStore{Name: "audit", Status: "ENABLED", AdvancedEventSelectors: []cttypes.AdvancedEventSelector{
		{Name: sdkaws.String("management"), FieldSelectors: []cttypes.AdvancedFieldSelector{{Field: sdkaws.String("eventCategory"), Equals: []string{"Management"}}}}}})
	// The first node group's Auto Scaling group exists, with a termination lifecycle hook
	// (moto names the group in DescribeNodegroup but does not create it); the second's does not.
	ng, err := acct.Clients().EKS.DescribeNodegroup(ctx, &eks.DescribeNodegroupInput{ClusterName: sdkaws.String("prod"), NodegroupName: sdkaws.String("prod-ng0")})
	if err != nil {
		t.Fatal(err)
	}
	asgName := ng.Nodegroup.Resources.AutoScalingGroups[0].Name
	asg := autoscaling.NewFromConfig(acct.Config())
	if _, err := asg.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{AutoScalingGroupName: asgName, MinSize: sdkaws.Int32(0), MaxSize: sdkaws.Int32(1),
		DesiredCapacity: sdkaws.Int32(0), AvailabilityZones: []string{awstest.Region + "a"}, LaunchTemplate: &astypes.LaunchTemplateSpecification{LaunchTemplateName: sdkaws.String("prod-ng0")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := asg.PutLifecycleHook(ctx, &autoscaling.PutLifecycleHookInput{AutoScalingGroupName: asgName, LifecycleHookName: sdkaws.String("Terminate-LC-Hook"),
		LifecycleTransition: sdkaws.String("autoscaling:EC2_INSTANCE_TERMINATING")}); err != nil {
		t.Fatal(err)
	}
	// An IAM user with an access key in a group allowed eks:*, and a role with an inline
	// policy: the account authorization details and the credential report.
	iamc := acct.Clients().IAM
	if _, err := iamc.CreateUser(ctx, &iam.CreateUserInput{UserName: sdkaws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	if _, err := iamc.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: sdkaws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	if _, err := iamc.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: sdkaws.String("platform")}); err != nil {
		t.Fatal(err)
	}
	if _, err := iamc.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: sdkaws.String("platform"), UserName: sdkaws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	if _, err := iamc.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: sdkaws.String("platform"), PolicyName: sdkaws.String("eks"),
		PolicyDocument: sdkaws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"eks:*","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := iamc.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: sdkaws.String("platform"), PolicyArn: sdkaws.String("arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser")}); err != nil {
		t.Fatal(err)
	}
	inv := &inventory.Inventory{}
	sm := secretsmanager.NewFromConfig(acct.Config())
	var apiARN string
	for _, name := range []string{"shop/db", "shop/api"} {
		out, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: sdkaws.String(name), SecretString: sdkaws.String("not-a-real-secret")})
		if err != nil {
			t.Fatal(err)
		}
		apiARN = *out.ARN
	}
	addRaw := func(apiVersion, kind, ns, name string, spec map[string]any) {
		inv.Add(&inventory.Object{ObjectRef: inventory.ObjectRef{APIVersion: apiVersion, Kind: kind, Namespace: ns, Name: name},
			Raw: map[string]any{"apiVersion": apiVersion, "kind": kind, "metadata": map[string]any{"name": name, "namespace": ns}, "spec": spec}})
	}
	addRaw("secrets-store.csi.x-k8s.io/v1", "SecretProviderClass", "shop", "db", map[string]any{"provider": "aws", "parameters": map[string]any{
		"objects": "- objectName: shop/db\n  objectType: secretsmanager\n- objectName: /shop/param\n  objectType: ssmparameter\n"}})
	addRaw("external-secrets.io/v1", "SecretStore", "shop", "aws", map[string]any{"provider": map[string]any{"aws": map[string]any{"service": "SecretsManager", "region": awstest.Region}}})
	addRaw("external-secrets.io/v1", "ExternalSecret", "shop", "api", map[string]any{"secretStoreRef": map[string]any{"name": "aws", "kind": "SecretStore"},
		"data":     []any{map[string]any{"secretKey": "token", "remoteRef": map[string]any{"key": apiARN}}},
		"dataFrom": []any{map[string]any{"extract": map[string]any{"key": "shop/gone"}}}})
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", Annotations: map[string]string{awssource.IRSAAnnotation: irsa}}}
	inv.Add(&inventory.Object{ObjectRef: inventory.ObjectRef{APIVersion: "v1", Kind: "ServiceAccount", Namespace: "shop", Name: "web"}, Typed: sa})
	fs, err := efs.NewFromConfig(acct.Config()).CreateFileSystem(ctx, &efs.CreateFileSystemInput{CreationToken: sdkaws.String("shop-data"), Encrypted: sdkaws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	pv := &corev1.PersistentVolume{ObjectMeta: metav1.ObjectMeta{Name: "shop-data"}, Spec: corev1.PersistentVolumeSpec{PersistentVolumeSource: corev1.PersistentVolumeSource{
		CSI: &corev1.CSIPersistentVolumeSource{Driver: "efs.csi.aws.com", VolumeHandle: *fs.FileSystemId + "::fsap-0123456789abcdef0"}}}}
	inv.Add(&inventory.Object{ObjectRef: inventory.ObjectRef{APIVersion: "v1", Kind: "PersistentVolume", Name: "shop-data"}, Typed: pv})
	pushed.Store(acct.ID, pushImages(t, ctx, acct, inv, true))
	acct.ResetStats()
	return acct, cl, inv
}

func TestCollectAgainstMoto(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	acct, cl, inv := fullAccount(t, ctx)
	rec := &calls{}
	if err := awssource.Collect(ctx, inv, options(acct, "prod", rec)); err != nil {
		t.Fatal(err)
	}
	a := inv.AWS
	for _, g := range inv.Gaps {
		t.Errorf("unexpected gap: %+v", g)
	}
	if a.Account != acct.ID || a.Region != awstest.Region || a.Partition != "aws" || a.ClusterARN != cl.ARN {
		t.Errorf("target = %+v", a.AWSTarget)
	}
	if a.Cluster == nil || !a.Cluster.ResourcesVpcConfig.EndpointPublicAccess {
		t.Fatalf("cluster = %+v", a.Cluster)
	}
	check := func(what string, got, want int) {
		t.Helper()
		if got != want {
			t.Errorf("%s: got %d, want %d", what, got, want)
		}
	}
	check("node groups", len(a.Nodegroups), 2)
	check("launch templates", len(a.LaunchTemplates), 2)
	check("instances", len(a.Instances), 2)
	check("add-ons", len(a.Addons), 1)
	check("add-on versions", len(a.AddonVersions), 1)
	check("cluster versions", len(a.ClusterVersions), 1)
	if a.ControlPlaneUpgradedAt == nil || !a.ControlPlaneUpgradedAt.Equal(lastVersionUpdate) {
		t.Errorf("control plane upgraded at %v, want %v", a.ControlPlaneUpgradedAt, lastVersionUpdate)
	}
	check("access entries", len(a.AccessEntries), 2)
	check("pod identity associations", len(a.PodIdentityAssociations), 1)
	check("fargate profiles", len(a.FargateProfiles), 1)
	check("repositories", len(a.Repositories), 2)
	check("keys", len(a.Keys), 1)
	check("trails", len(a.Trails), 1)
	check("event data stores", len(a.EventDataStores), 1)
	check("trail buckets", len(a.TrailBuckets), 1)
	check("Secrets Manager secrets", len(a.Secrets), 3)
	if sa := a.SecretAccess; sa == nil || len(sa.Rows) != 2 || sa.Rows[1] != (inventory.SecretAccessRow{Username: "alice", Namespace: "shop", Verb: "get", Count: 3}) ||
		sa.End.Sub(sa.Start) != 7*24*time.Hour {
		t.Errorf("secret access = %+v", sa)
	}
	if q := acct.Queries(); len(q) != 1 || q[0].LogGroupName != "/aws/eks/prod/cluster" || q[0].QueryString != awssource.SecretAccessQuery || q[0].EndTime-q[0].StartTime != 7*24*3600 {
		t.Errorf("queries = %+v", q)
	}
	for _, sec := range a.Secrets {
		want := sec.Ref != "shop/gone"
		if sec.Missing == want || (want && (sec.ARN == "" || sec.LastChangedDate == nil || len(sec.ReferencedBy) != 1)) {
			t.Errorf("secret %+v", sec)
		}
	}
	if a.SecurityHub == nil || len(a.SecurityHub.Standards) != 1 || a.SecurityHub.HubArn == "" {
		t.Errorf("Security Hub not read: %+v", a.SecurityHub)
	}
	check("Config recorders", len(a.ConfigRecorders), 1)
	if len(a.ConfigRecorders) == 1 && (a.ConfigRecorders[0].Status == nil || !a.ConfigRecorders[0].Status.Recording ||
		a.ConfigRecorders[0].Recorder.RecordingGroup == nil || !a.ConfigRecorders[0].Recorder.RecordingGroup.AllSupported) {
		t.Errorf("Config recorder not read: %+v", a.ConfigRecorders[0])
	}
	if len(a.TrailBuckets) == 1 {
		b := a.TrailBuckets[0]
		if !b.SameAccount || b.Owner == nil || b.PublicAccessBlock == nil || !sdkaws.ToBool(b.PublicAccessBlock.BlockPublicPolicy) ||
			b.Versioning != s3types.BucketVersioningStatusEnabled || !strings.Contains(string(b.Policy), "cloudtrail.amazonaws.com") || b.ObjectLock != nil {
			t.Errorf("trail bucket not read: %+v", b)
		}
	}
	check("log groups", len(a.LogGroups), 1)
	check("GuardDuty rules", len(a.GuardDutyRules), 1)
	check("metric filters", len(a.MetricFilters), 1)
	check("Detective graphs", len(a.DetectiveGraphs), 1)
	check("EFS file systems", len(a.FileSystems), 1)
	check("Inspector coverage", len(a.InspectorCoverage), 2)
	check("SSM managed instances", len(a.ManagedInstances), 2)
	check("Auto Scaling groups", len(a.AutoScalingGroups), 1)
	if az := a.Authorization; az == nil {
		t.Errorf("account authorization details not read")
	} else {
		check("IAM users", len(az.Users), 1)
		check("IAM groups", len(az.Groups), 1)
		if len(az.Groups) == 1 && (len(az.Groups[0].GroupPolicyList) != 1 || !strings.HasPrefix(sdkaws.ToString(az.Groups[0].GroupPolicyList[0].PolicyDocument), "{")) {
			t.Errorf("group = %+v", az.Groups[0])
		}
		if len(az.Roles) < 4 {
			t.Errorf("IAM roles: %d", len(az.Roles))
		}
		// Only attached managed policies, each with its default version only.
		var names []string
		for _, p := range az.Policies {
			names = append(names, inventory.PolicyName(sdkaws.ToString(p.Arn))) // moto leaves PolicyName out
			if len(p.PolicyVersionList) != 1 || !strings.Contains(sdkaws.ToString(p.PolicyVersionList[0].Document), `"Statement"`) {
				t.Errorf("policy %s versions = %+v", sdkaws.ToString(p.Arn), p.PolicyVersionList)
			}
		}
		if !slices.Contains(names, "AmazonEC2ContainerRegistryPowerUser") || !slices.Contains(names, "shop-web-s3") || slices.Contains(names, "AdministratorAccess") {
			t.Errorf("managed policies = %v", names)
		}
	}
	if cr := a.CredentialReport; cr == nil {
		t.Errorf("credential report not read")
	} else {
		found := false
		for _, u := range cr.Users {
			if u.User == "alice" {
				found = true
				if len(u.AccessKeys) != 1 || !u.AccessKeys[0].Active || u.AccessKeys[0].LastRotated == nil || u.MFAActive {
					t.Errorf("credential report row = %+v", u)
				}
			}
		}
		if !found {
			t.Errorf("credential report = %+v", cr)
		}
	}
	if len(a.AutoScalingGroups) == 1 && (len(a.AutoScalingGroups[0].LifecycleHooks) != 1 || a.AutoScalingGroups[0].Group.AutoScalingGroupName == nil) {
		t.Errorf("Auto Scaling group = %+v", a.AutoScalingGroups[0])
	}
	if a.Inspector == nil {
		t.Errorf("Inspector status not read")
	}
	if len(a.FileSystems) == 1 && !sdkaws.ToBool(a.FileSystems[0].Encrypted) {
		t.Errorf("file system = %+v", a.FileSystems[0])
	}
	if len(a.DetectiveGraphs) == 1 && a.DetectiveGraphs[0].Packages["EKS_AUDIT"].DatasourcePackageIngestState != "STARTED" {
		t.Errorf("Detective packages not read: %+v", a.DetectiveGraphs[0])
	}
	if len(a.MetricFilters) == 1 && len(a.MetricFilters[0].Alarms) != 1 {
		t.Errorf("metric filter alarms not read: %+v", a.MetricFilters[0])
	}
	if len(a.GuardDutyRules) == 1 && len(a.GuardDutyRules[0].Targets) != 1 {
		t.Errorf("GuardDuty rule targets not read: %+v", a.GuardDutyRules[0])
	}
	if len(a.LogGroups) == 1 && sdkaws.ToInt32(a.LogGroups[0].RetentionInDays) != 90 {
		t.Errorf("log group = %+v", a.LogGroups[0])
	}
	if len(a.Detectors) == 1 {
		check("coverage of the cluster", len(a.Detectors[0].Coverage), 1)
		if c := a.Detectors[0].Coverage; len(c) == 1 && (c[0].ResourceDetails == nil || c[0].ResourceDetails.EksClusterDetails == nil ||
			sdkaws.ToInt64(c[0].ResourceDetails.EksClusterDetails.CoveredNodes) != 2 || c[0].CoverageStatus != gdtypes.CoverageStatusHealthy) {
			t.Errorf("coverage not read: %+v", c[0])
		}
	}
	check("detectors", len(a.Detectors), 1)
	check("instance profiles", len(a.InstanceProfiles), 1)
	check("customer-managed policies", len(a.Policies), 1)
	check("subnets", len(a.Subnets), 2)
	if len(a.SecurityGroups) == 0 || len(a.Subnets) == 0 {
		t.Errorf("security groups %d, subnets %d", len(a.SecurityGroups), len(a.Subnets))
	}
	uses := map[string][]string{}
	for _, r := range a.Roles {
		uses[*r.Role.RoleName] = r.Uses
		if !json.Valid(r.TrustPolicy) || !strings.Contains(string(r.TrustPolicy), `"Statement"`) {
			t.Errorf("role %s trust policy not decoded: %s", *r.Role.RoleName, r.TrustPolicy)
		}
	}
	for role, want := range map[string][]string{
		"prod-cluster": {"cluster"}, "prod-node": {"node"}, "shop-web": {"irsa:shop/web"}, "shop-worker": {"pod-identity:shop/worker"},
	} {
		if !slices.Equal(uses[role], want) {
			t.Errorf("role %s uses = %v, want %v", role, uses[role], want)
		}
	}
	if r := a.Role(cl.RoleARN); r == nil || len(r.AttachedPolicies) != 1 {
		t.Errorf("cluster role = %+v", r)
	}
	if len(a.Keys) == 1 && (a.Keys[0].RotationEnabled == nil) {
		t.Errorf("key rotation not read: %+v", a.Keys[0])
	}
	if len(a.Trails) == 1 && (a.Trails[0].Status == nil || !sdkaws.ToBool(a.Trails[0].Status.IsLogging)) {
		t.Errorf("trail status not read: %+v", a.Trails[0])
	}
	if len(a.EventDataStores) == 1 && (a.EventDataStores[0].Status != cttypes.EventDataStoreStatusEnabled || len(a.EventDataStores[0].AdvancedEventSelectors) != 1) {
		t.Errorf("event data store not read: %+v", a.EventDataStores[0])
	}
	imgs, _ := pushed.Load(acct.ID)
	checkImages(t, acct, a, imgs.(images), true)
	if a.Repositories[0].LifecyclePolicy == nil || a.Repositories[0].RepositoryPolicy != nil {
		t.Errorf("repository policies: %+v", a.Repositories[0])
	}
	// Each resource is fetched once: no request repeats another.
	for sig, n := range acct.Repeated() {
		if strings.HasPrefix(sig, "logs:GetQueryResults ") {
			continue // polled until the query completes
		}
		t.Errorf("request made %d times: %s", n, sig)
	}
	// Each resource is fetched once.
	for action, n := range rec.n {
		want := 1
		switch action {
		case "ec2:DescribeInstances":
			want = 3 // one per cluster tag
		case "eks:DescribeNodegroup", "ec2:DescribeLaunchTemplateVersions", "ecr:GetLifecyclePolicy", "ecr:GetRepositoryPolicy", "eks:DescribeAccessEntry", "eks:ListAssociatedAccessPolicies":
			want = 2
		case "iam:GetRole", "iam:ListAttachedRolePolicies", "iam:ListRolePolicies":
			want = 4
		case "iam:GetRolePolicy":
			want = 1
		case "eks:DescribeUpdate":
			want = 4 // every update of the cluster: ListUpdates gives neither type nor order
		case "ecr:DescribeImages":
			want = 5 // shop/worker, shop/web, whose missing tag fails the batch: then its 3 IDs one by one
		case "ecr:GetDownloadUrlForLayer", "ecr:ListImageReferrers", "inspector2:ListFindings":
			want = 2 // per image, or per repository (ListFindings)
		case "ecr:BatchGetImage":
			want = 3 // per repository, and the platform manifest of shop/worker's index
		case "secretsmanager:DescribeSecret":
			want = 3 // one per referenced secret
		case "logs:GetQueryResults":
			want = 2 // polled once while running
		}
		if n != want {
			t.Errorf("%s called %d times, want %d", action, n, want)
		}
	}
	t.Logf("actions: %v", rec.actions())
}

// TestDeniedCallsAreGaps: AccessDenied and UnauthorizedOperation on any call become a gap
// naming the IAM action, and the collection goes on.
func TestDeniedCallsAreGaps(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	acct, _, inv := fullAccount(t, ctx)
	denied := []string{"eks:ListAccessEntries", "ec2:DescribeInstances", "iam:GetRole", "ecr:GetLifecyclePolicy", "kms:GetKeyRotationStatus",
		"cloudtrail:GetTrailStatus", "guardduty:ListDetectors", "eks:DescribeAddon", "eks:DescribeUpdate"}
	acct.Deny(denied...)
	if err := awssource.Collect(ctx, inv, options(acct, "prod", nil)); err != nil {
		t.Fatal(err)
	}
	got := map[string]inventory.Gap{}
	for _, g := range inv.Gaps {
		got[g.Kind] = g
	}
	for _, action := range denied {
		g, ok := got[inventory.AWSKind(action)]
		if !ok {
			t.Errorf("no gap for denied %s (gaps: %+v)", action, inv.Gaps)
			continue
		}
		if g.Reason != inventory.GapForbidden || !strings.Contains(g.Message, action) || g.Resource == "" {
			t.Errorf("gap for %s = %+v", action, g)
		}
	}
	if len(inv.Gaps) != len(denied) {
		t.Errorf("got %d gaps, want %d: %+v", len(inv.Gaps), len(denied), inv.Gaps)
	}
	// What was not denied was still collected.
	if inv.AWS.Cluster == nil || len(inv.AWS.Nodegroups) != 2 || len(inv.AWS.Repositories) != 2 {
		t.Errorf("collection stopped at the denials: %+v", inv.AWS)
	}
	// A denied DescribeUpdate leaves the upgrade date unknown, not the cluster's creation.
	if inv.AWS.ControlPlaneUpgradedAt != nil {
		t.Errorf("control plane upgraded at %v with DescribeUpdate denied", inv.AWS.ControlPlaneUpgradedAt)
	}
}

// lastVersionUpdate is the newest successful VersionUpdate of fullAccount's cluster.
var lastVersionUpdate = time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)

// TestThrottlingIsRetried: throttled calls are retried by the adaptive retryer.
func TestThrottlingIsRetried(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	acct, _, inv := fullAccount(t, ctx)
	acct.Throttle("eks:DescribeCluster", 2)
	acct.Throttle("ec2:DescribeSubnets", 2)
	acct.Throttle("iam:GetRole", 3)
	acct.Throttle("ecr:DescribeRepositories", 2)
	if err := awssource.Collect(ctx, inv, options(acct, "prod", nil)); err != nil {
		t.Fatal(err)
	}
	if len(inv.Gaps) != 0 {
		t.Errorf("throttling left gaps: %+v", inv.Gaps)
	}
	calls := acct.Calls()
	if calls["eks:DescribeCluster"] != 3 || calls["ec2:DescribeSubnets"] != 3 || calls["ecr:DescribeRepositories"] != 3 {
		t.Errorf("calls = %v", calls)
	}
	if len(inv.AWS.Roles) != 4 || len(inv.AWS.Subnets) != 2 {
		t.Errorf("roles %d, subnets %d", len(inv.AWS.Roles), len(inv.AWS.Subnets))
	}
}

// TestConcurrencyBound: no more requests are in flight than Options.Concurrency, and more
// than one when allowed.
func TestConcurrencyBound(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, bound := range []int{1, 3} {
		acct, _, inv := fullAccount(t, ctx)
		acct.Delay(20 * time.Millisecond)
		opts := options(acct, "prod", nil)
		opts.Concurrency = bound
		if err := awssource.Collect(ctx, inv, opts); err != nil {
			t.Fatal(err)
		}
		if got := acct.MaxInFlight(); got != bound {
			t.Errorf("concurrency %d: at most %d requests in flight, want exactly %d", bound, got, bound)
		}
	}
}

// TestMissingClusterFails: a cluster that does not exist ends the collection with an error.
func TestMissingClusterFails(t *testing.T) {
	acct := srv.NewAccount(t)
	err := awssource.Collect(context.Background(), &inventory.Inventory{}, options(acct, "nope", nil))
	if err == nil || !strings.Contains(err.Error(), `"nope" not found`) {
		t.Errorf("err = %v", err)
	}
}

// TestKubeconfigEvidenceCollected: the kubeconfig users whose server is the cluster's endpoint
// (as DescribeCluster returns it) are recorded, by kind of credential only.
func TestKubeconfigEvidenceCollected(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	acct := srv.NewAccount(t)
	if _, err := acct.CreateCluster(ctx, awstest.ClusterSpec{Name: "dev", Public: true}); err != nil {
		t.Fatal(err)
	}
	cl, err := acct.Clients().EKS.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: sdkaws.String("dev")})
	if err != nil || sdkaws.ToString(cl.Cluster.Endpoint) == "" {
		t.Fatalf("cluster endpoint: %v %+v", err, cl)
	}
	path := t.TempDir() + "/config"
	data := `apiVersion: v1
kind: Config
current-context: dev
contexts:
- {name: dev, context: {cluster: dev, user: dev}}
- {name: dev-static, context: {cluster: dev, user: static}}
clusters:
- {name: dev, cluster: {server: "` + sdkaws.ToString(cl.Cluster.Endpoint) + `"}}
users:
- {name: dev, user: {exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: aws, args: [eks, get-token, --cluster-name, dev]}}}
- {name: static, user: {token: do-not-record}}
`
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	inv := &inventory.Inventory{}
	opts := options(acct, "dev", nil)
	opts.Kubeconfig = path
	if err := awssource.Collect(ctx, inv, opts); err != nil {
		t.Fatal(err)
	}
	k := inv.AWS.Kubeconfig
	if k == nil || len(k.Users) != 2 || k.Users[0].Name != "dev" || k.Users[1].Name != "static" ||
		!slices.Equal(k.Users[1].Auth, []string{inventory.KubeAuthToken}) || !slices.Equal(k.Users[0].Auth, []string{inventory.KubeAuthAWSGetToken}) {
		t.Errorf("kubeconfig evidence = %+v", k)
	}
}

// TestDeniedAccountIAMCalls: a denied GetAccountAuthorizationDetails, GenerateCredentialReport
// or DescribeLifecycleHooks is a gap naming it; GetCredentialReport, not called after a failed
// generation, is a gap too, so the checks reading the report are not evaluated.
func TestDeniedAccountIAMCalls(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	acct, _, inv := fullAccount(t, ctx)
	acct.Deny("iam:GetAccountAuthorizationDetails", "iam:GenerateCredentialReport", "autoscaling:DescribeLifecycleHooks")
	if err := awssource.Collect(ctx, inv, options(acct, "prod", nil)); err != nil {
		t.Fatal(err)
	}
	got := map[string]inventory.Gap{}
	for _, g := range inv.Gaps {
		got[g.Kind] = g
	}
	for action, reason := range map[string]inventory.GapReason{"iam:GetAccountAuthorizationDetails": inventory.GapForbidden,
		"iam:GenerateCredentialReport": inventory.GapForbidden, "autoscaling:DescribeLifecycleHooks": inventory.GapForbidden,
		"iam:GetCredentialReport": inventory.GapError} {
		if g, ok := got[inventory.AWSKind(action)]; !ok || g.Reason != reason {
			t.Errorf("gap for %s = %+v (gaps: %+v)", action, g, inv.Gaps)
		}
	}
	if len(inv.Gaps) != 4 || inv.AWS.Authorization != nil || inv.AWS.CredentialReport != nil {
		t.Errorf("gaps %+v, authorization %v, report %v", inv.Gaps, inv.AWS.Authorization != nil, inv.AWS.CredentialReport != nil)
	}
}
