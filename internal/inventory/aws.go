package inventory

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"time"

	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	cfgtypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"
	dettypes "github.com/aws/aws-sdk-go-v2/service/detective/types"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	efstypes "github.com/aws/aws-sdk-go-v2/service/efs/types"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	gdtypes "github.com/aws/aws-sdk-go-v2/service/guardduty/types"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	inspectortypes "github.com/aws/aws-sdk-go-v2/service/inspector2/types"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// AWS is what the AWS collectors (internal/source/aws) found about one EKS cluster and the
// account and region it runs in. It holds the SDK's own types, exactly as the APIs returned
// them, grouped by the catalogue's definitions (CLUSTER_NODES, LAUNCH_TEMPLATES, NODE_ROLES,
// ECR_REPOS); the wrapper structs below only add what ties a resource to the cluster.
//
// A nil slice or pointer means "none" only when no Gap names the call that would have filled
// it: checks declare the calls they read (check.Check.Reads, as AWSKind values), so a denied
// call marks them not evaluated instead of passing. The model encodes to JSON and back
// (snapshots and the check fixtures under internal/checks/<section>/testdata/<slug>/*.json);
// SDK fields keep their Go names there (ResourcesVpcConfig.EndpointPublicAccess).
type AWS struct {
	AWSTarget

	// EKS: the cluster (eks:DescribeCluster), its managed node groups (ListNodegroups,
	// DescribeNodegroup), Fargate profiles, add-ons (ListAddons, DescribeAddon), access entries
	// with their associated access policies, and Pod Identity associations.
	Cluster                 *ekstypes.Cluster                 `json:"cluster,omitempty"`
	Nodegroups              []ekstypes.Nodegroup              `json:"nodegroups,omitempty"`
	FargateProfiles         []ekstypes.FargateProfile         `json:"fargateProfiles,omitempty"`
	Addons                  []ekstypes.Addon                  `json:"addons,omitempty"`
	AccessEntries           []AccessEntry                     `json:"accessEntries,omitempty"`
	PodIdentityAssociations []ekstypes.PodIdentityAssociation `json:"podIdentityAssociations,omitempty"`
	// AddonVersions are eks:DescribeAddonVersions for the installed add-ons at the cluster's
	// Kubernetes version; ClusterVersions is eks:DescribeClusterVersions (support status and
	// end dates of each Kubernetes version).
	AddonVersions   []ekstypes.AddonInfo                 `json:"addonVersions,omitempty"`
	ClusterVersions []ekstypes.ClusterVersionInformation `json:"clusterVersions,omitempty"`
	// ControlPlaneUpgradedAt is when the control plane reached its current Kubernetes version:
	// the creation time of the newest Successful VersionUpdate of the cluster (eks:ListUpdates,
	// eks:DescribeUpdate), or the cluster's creation time when it never had one. Nil when unknown
	// (a call was denied or failed, or DescribeCluster did not answer and no update succeeded).
	ControlPlaneUpgradedAt *time.Time `json:"controlPlaneUpgradedAt,omitempty"`

	// EC2: LAUNCH_TEMPLATES of the managed node groups (each version resolved once), the
	// CLUSTER_NODES instances, the security groups of the cluster, of its nodes and of its
	// SecurityGroupPolicies (a named group that does not exist is absent), the
	// subnets of the cluster, its node groups and nodes, and the VPC endpoints and route
	// tables of the VPC.
	LaunchTemplates []LaunchTemplate         `json:"launchTemplates,omitempty"`
	Instances       []ec2types.Instance      `json:"instances,omitempty"`
	SecurityGroups  []ec2types.SecurityGroup `json:"securityGroups,omitempty"`
	Subnets         []ec2types.Subnet        `json:"subnets,omitempty"`
	VPCEndpoints    []ec2types.VpcEndpoint   `json:"vpcEndpoints,omitempty"`
	// RouteTables are the route tables of the cluster's VPC (ec2:DescribeRouteTables), to
	// tell public subnets (a 0.0.0.0/0 route to an internet gateway) from private ones; a
	// subnet without an explicit association uses the VPC's main table.
	RouteTables []ec2types.RouteTable `json:"routeTables,omitempty"`
	// FlowLogs are the flow logs of the cluster's VPC and of its subnets
	// (ec2:DescribeFlowLogs filtered by resource-id).
	FlowLogs []ec2types.FlowLog `json:"flowLogs,omitempty"`
	// Volumes are the EBS volumes attached to CLUSTER_NODES and those backing
	// PersistentVolumes (ec2:DescribeVolumes); EBSEncryptionByDefault is the region's
	// setting (ec2:GetEbsEncryptionByDefault).
	Volumes                []ec2types.Volume `json:"volumes,omitempty"`
	EBSEncryptionByDefault *bool             `json:"ebsEncryptionByDefault,omitempty"`
	// Images are the AMIs CLUSTER_NODES run (ec2:DescribeImages by image-id, deprecated ones
	// included); an AMI that is not visible (deregistered, no longer shared) is absent.
	Images []ec2types.Image `json:"images,omitempty"`
	// InstanceTypes are the instance types CLUSTER_NODES run (ec2:DescribeInstanceTypes).
	InstanceTypes []ec2types.InstanceTypeInfo `json:"instanceTypes,omitempty"`

	// IAM: the cluster role, NODE_ROLES and the workload roles (IRSA ServiceAccount
	// annotations, Pod Identity associations), each fetched once with its policies.
	// InstanceProfiles are those of CLUSTER_NODES (iam:GetInstanceProfile). Policies holds
	// the default version of every customer-managed policy attached to those roles, by ARN
	// (AWS-managed policies are known by name and not fetched). MissingRoles are role ARNs
	// referenced by the cluster that do not exist (iam:GetRole NoSuchEntity).
	Roles            []IAMRole                  `json:"roles,omitempty"`
	InstanceProfiles []iamtypes.InstanceProfile `json:"instanceProfiles,omitempty"`
	Policies         []IAMPolicy                `json:"policies,omitempty"`
	MissingRoles     []string                   `json:"missingRoles,omitempty"`

	// Account IAM: every user, group and role of the account with their inline, attached
	// and group policies (iam:GetAccountAuthorizationDetails), and the account's credential
	// report (iam:GenerateCredentialReport, iam:GetCredentialReport) reduced to the columns
	// the checks read.
	Authorization    *IAMAuthorization `json:"authorization,omitempty"`
	CredentialReport *CredentialReport `json:"credentialReport,omitempty"`

	// ECR: ECR_REPOS with their lifecycle and repository policies, and the registry's
	// scanning configuration.
	Repositories     []ECRRepository                         `json:"repositories,omitempty"`
	RegistryScanning *ecrtypes.RegistryScanningConfiguration `json:"registryScanning,omitempty"`
	// ECRImages are the images the cluster's containers run (ALL_CONTAINERS of every object
	// carrying a pod spec) that are stored in this account's ECR registry in the scanned
	// region, one per digest, with their scan findings, image config and referrers (see
	// ECRImage). MissingImages are references to that registry that do not resolve: the
	// repository or the tag or digest does not exist (any more).
	ECRImages     []ECRImage `json:"ecrImages,omitempty"`
	MissingImages []string   `json:"missingImages,omitempty"`

	// EFS: the file systems of EFS PersistentVolumes and StorageClasses
	// (elasticfilesystem:DescribeFileSystems); one that does not exist is absent.
	FileSystems []efstypes.FileSystemDescription `json:"fileSystems,omitempty"`

	// Inspector: the account's Amazon Inspector status (inspector2:BatchGetAccountStatus) and
	// the coverage of CLUSTER_NODES (inspector2:ListCoverage, resource type AWS_EC2_INSTANCE).
	Inspector         *inspectortypes.AccountState     `json:"inspector,omitempty"`
	InspectorCoverage []inspectortypes.CoveredResource `json:"inspectorCoverage,omitempty"`

	// Auto Scaling: the Auto Scaling groups CLUSTER_NODES belong to (the instances' tag
	// aws:autoscaling:groupName and the managed node groups' resources.autoScalingGroups;
	// autoscaling:DescribeAutoScalingGroups by name) with their lifecycle hooks
	// (autoscaling:DescribeLifecycleHooks). A named group that does not exist is absent.
	AutoScalingGroups []AutoScalingGroup `json:"autoScalingGroups,omitempty"`

	// SSM: the CLUSTER_NODES registered with Systems Manager (ssm:DescribeInstanceInformation
	// filtered by their instance IDs); a node that is not registered is absent.
	ManagedInstances []ssmtypes.InstanceInformation `json:"managedInstances,omitempty"`

	// KMS: the cluster's envelope-encryption key (Cluster.EncryptionConfig) with its rotation.
	Keys []KMSKey `json:"keys,omitempty"`

	// CloudTrail: the trails visible in the region (shadow trails included) with their status
	// and event selectors.
	Trails []Trail `json:"trails,omitempty"`
	// EventDataStores are the region's CloudTrail Lake event data stores
	// (cloudtrail:ListEventDataStores, then cloudtrail:GetEventDataStore for each: the list no
	// longer returns their status and selectors), by ARN.
	EventDataStores []cloudtrail.GetEventDataStoreOutput `json:"eventDataStores,omitempty"`
	// TrailBuckets are the S3 buckets the trails deliver to (Trail.S3BucketName), each once,
	// by name. Whether a bucket is the scanned account's is s3:ListAllMyBuckets (ListBuckets
	// with the name as prefix); only those are read further (s3:GetBucketPolicy,
	// GetBucketPublicAccessBlock, GetBucketAcl, GetBucketVersioning,
	// GetBucketObjectLockConfiguration): a bucket of another account (a log-archive account)
	// is usually not readable from this one.
	TrailBuckets []S3Bucket `json:"trailBuckets,omitempty"`

	// CloudWatch Logs: the cluster's control-plane log group /aws/eks/<cluster>/cluster
	// (logs:DescribeLogGroups with that prefix; other groups the prefix matches are dropped).
	LogGroups []cwltypes.LogGroup `json:"logGroups,omitempty"`
	// MetricFilters are the metric filters of that log group (logs:DescribeMetricFilters)
	// with the alarms on their metrics (cloudwatch:DescribeAlarmsForMetric).
	MetricFilters []MetricFilter `json:"metricFilters,omitempty"`

	// SecretAccess is what the cluster's audit log says about reads of Secrets over the last
	// 7 days: a CloudWatch Logs Insights query (logs:StartQuery, logs:GetQueryResults) on the
	// control-plane log group, counting get, list and watch on secrets by user, namespace and
	// verb. Nil when the query was not run: audit logging off, or no log group.
	SecretAccess *SecretAccess `json:"secretAccess,omitempty"`

	// EventBridge: the rules of the region's default event bus whose event pattern names the
	// source aws.guardduty (events:ListRules), with their targets (events:ListTargetsByRule).
	GuardDutyRules []EventRule `json:"guardDutyRules,omitempty"`

	// Detective: the region's behavior graphs (detective:ListGraphs) with their data source
	// packages (detective:ListDatasourcePackages).
	DetectiveGraphs []DetectiveGraph `json:"detectiveGraphs,omitempty"`

	// Secrets are the AWS Secrets Manager secrets SecretProviderClasses and ExternalSecrets
	// reference (secretsmanager:DescribeSecret: metadata only, never GetSecretValue), by
	// reference; one that does not exist has Missing set.
	Secrets []SecretsManagerSecret `json:"secrets,omitempty"`

	// SecurityHub is the region's Security Hub (securityhub:DescribeHub) with its enabled
	// standards (securityhub:GetEnabledStandards); nil when the account is not subscribed.
	SecurityHub *SecurityHub `json:"securityHub,omitempty"`
	// ConfigRecorders are the region's AWS Config configuration recorders
	// (config:DescribeConfigurationRecorders) with their status
	// (config:DescribeConfigurationRecorderStatus), by name.
	ConfigRecorders []ConfigRecorder `json:"configRecorders,omitempty"`

	// GuardDuty: the region's detectors with their features.
	Detectors []Detector `json:"detectors,omitempty"`

	// Kubeconfig is how the kubeconfig eksguard read authenticates to this cluster: its
	// user entries, by kind of credential only (never a credential value). Nil when no
	// kubeconfig was read (an in-cluster or AWS-only scan without one).
	Kubeconfig *Kubeconfig `json:"kubeconfig,omitempty"`
}

// AWSTarget says which account, region and cluster an AWS scan read. Reports show it.
type AWSTarget struct {
	Account   string `json:"account"`
	Region    string `json:"region"`
	Partition string `json:"partition"`
	// ClusterName and ClusterARN name the EKS cluster (empty in an account-only scan).
	ClusterName string `json:"clusterName,omitempty"`
	ClusterARN  string `json:"clusterArn,omitempty"`
}

// AccessEntry is an EKS access entry (eks:DescribeAccessEntry) with the access policies
// associated with it (eks:ListAssociatedAccessPolicies).
type AccessEntry struct {
	Entry    ekstypes.AccessEntry              `json:"entry"`
	Policies []ekstypes.AssociatedAccessPolicy `json:"policies,omitempty"`
}

// LaunchTemplate is one launch template version the cluster's nodes launch from
// (ec2:DescribeLaunchTemplateVersions, "$Default" and "$Latest" resolved), with the managed
// node groups that use it.
type LaunchTemplate struct {
	Nodegroups []string                       `json:"nodegroups,omitempty"`
	Version    ec2types.LaunchTemplateVersion `json:"version"`
}

// Uses of an IAM role by the cluster (IAMRole.Uses). Workload uses carry the service account:
// "irsa:<namespace>/<name>", "pod-identity:<namespace>/<name>".
const (
	RoleUseCluster     = "cluster"
	RoleUseNode        = "node"
	RoleUseIRSA        = "irsa"
	RoleUsePodIdentity = "pod-identity"
)

// IAMRole is an IAM role the cluster uses (iam:GetRole) with its trust policy URL-decoded,
// its attached managed policies (iam:ListAttachedRolePolicies) and inline policies
// (iam:ListRolePolicies, iam:GetRolePolicy).
type IAMRole struct {
	Role iamtypes.Role `json:"role"`
	// TrustPolicy is Role.AssumeRolePolicyDocument, URL-decoded.
	TrustPolicy      json.RawMessage           `json:"trustPolicy,omitempty"`
	AttachedPolicies []iamtypes.AttachedPolicy `json:"attachedPolicies,omitempty"`
	InlinePolicies   []InlinePolicy            `json:"inlinePolicies,omitempty"`
	// Uses says why the role was collected: RoleUseCluster, RoleUseNode, or a workload use
	// "irsa:<ns>/<sa>" / "pod-identity:<ns>/<sa>".
	Uses []string `json:"uses"`
}

// InlinePolicy is a role's inline policy with its document URL-decoded.
type InlinePolicy struct {
	Name     string          `json:"name"`
	Document json.RawMessage `json:"document"`
}

// IAMPolicy is a customer-managed policy (iam:GetPolicy) and its default version's document
// (iam:GetPolicyVersion), URL-decoded.
type IAMPolicy struct {
	Policy   iamtypes.Policy `json:"policy"`
	Document json.RawMessage `json:"document,omitempty"`
}

// ECRRepository is one of ECR_REPOS with its lifecycle policy (ecr:GetLifecyclePolicy) and
// repository policy (ecr:GetRepositoryPolicy); nil when the repository has none.
type ECRRepository struct {
	Repository       ecrtypes.Repository `json:"repository"`
	LifecyclePolicy  json.RawMessage     `json:"lifecyclePolicy,omitempty"`
	RepositoryPolicy json.RawMessage     `json:"repositoryPolicy,omitempty"`
}

// KMSKey is a KMS key the cluster uses (kms:DescribeKey) with its rotation status
// (kms:GetKeyRotationStatus; nil when the key cannot rotate or the call was not made) and,
// for customer managed keys, its key policy.
type KMSKey struct {
	Metadata             kmstypes.KeyMetadata `json:"metadata"`
	RotationEnabled      *bool                `json:"rotationEnabled,omitempty"`
	RotationPeriodInDays *int32               `json:"rotationPeriodInDays,omitempty"`
	// Policy is the key policy of a customer managed key (kms:GetKeyPolicy, policy "default").
	Policy json.RawMessage `json:"policy,omitempty"`
}

// Trail is a CloudTrail trail (cloudtrail:DescribeTrails) with its status
// (cloudtrail:GetTrailStatus) and event selectors (cloudtrail:GetEventSelectors).
type Trail struct {
	Trail                  cttypes.Trail                    `json:"trail"`
	Status                 *cloudtrail.GetTrailStatusOutput `json:"status,omitempty"`
	EventSelectors         []cttypes.EventSelector          `json:"eventSelectors,omitempty"`
	AdvancedEventSelectors []cttypes.AdvancedEventSelector  `json:"advancedEventSelectors,omitempty"`
}

// S3Bucket is an S3 bucket a trail delivers to. For a bucket of the scanned account
// (SameAccount) the other fields are read; nil Policy, PublicAccessBlock or ObjectLock mean
// the bucket has none (NoSuchBucketPolicy, NoSuchPublicAccessBlockConfiguration,
// ObjectLockConfigurationNotFoundError).
type S3Bucket struct {
	Name string `json:"name"`
	// SameAccount: ListBuckets of the scanned account lists the bucket.
	SameAccount bool `json:"sameAccount"`
	// Region is the bucket's region (ListBuckets .BucketRegion), when known.
	Region            string                                  `json:"region,omitempty"`
	Policy            json.RawMessage                         `json:"policy,omitempty"`
	PublicAccessBlock *s3types.PublicAccessBlockConfiguration `json:"publicAccessBlock,omitempty"`
	// Owner and Grants are the bucket's ACL (s3:GetBucketAcl).
	Owner  *s3types.Owner  `json:"owner,omitempty"`
	Grants []s3types.Grant `json:"grants,omitempty"`
	// Versioning and MFADelete are s3:GetBucketVersioning ("" when never configured).
	Versioning s3types.BucketVersioningStatus   `json:"versioning,omitempty"`
	MFADelete  s3types.MFADeleteStatus          `json:"mfaDelete,omitempty"`
	ObjectLock *s3types.ObjectLockConfiguration `json:"objectLock,omitempty"`
}

// ARN is the bucket's ARN (bucket ARNs name no region or account).
func (b S3Bucket) ARN(partition string) string {
	if partition == "" {
		partition = "aws"
	}
	return "arn:" + partition + ":s3:::" + b.Name
}

// TrailBucket returns the collected bucket of this name, or nil.
func (a *AWS) TrailBucket(name string) *S3Bucket {
	for i := range a.TrailBuckets {
		if a.TrailBuckets[i].Name == name {
			return &a.TrailBuckets[i]
		}
	}
	return nil
}

// SecretAccess is the result of the secret-access query: only user names, namespaces, verbs
// and counts are kept.
type SecretAccess struct {
	LogGroup string    `json:"logGroup"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	// Rows are the counts by user, namespace ("" for a request across all namespaces) and verb.
	Rows []SecretAccessRow `json:"rows,omitempty"`
	// Truncated: the query returned as many rows as its limit, so some may be missing.
	Truncated bool `json:"truncated,omitempty"`
}

// SecretAccessRow counts one user's requests of one verb on secrets of one namespace.
type SecretAccessRow struct {
	Username  string `json:"username"`
	Namespace string `json:"namespace,omitempty"`
	Verb      string `json:"verb"`
	Count     int64  `json:"count"`
}

// AuditLogging reports whether the cluster sends its audit log to CloudWatch Logs
// (eks:DescribeCluster .logging.clusterLogging[] enabled with type audit).
func (a *AWS) AuditLogging() bool {
	if a.Cluster == nil || a.Cluster.Logging == nil {
		return false
	}
	for _, s := range a.Cluster.Logging.ClusterLogging {
		if s.Enabled != nil && *s.Enabled && slices.Contains(s.Types, ekstypes.LogTypeAudit) {
			return true
		}
	}
	return false
}

// SecretsManagerSecret is a Secrets Manager secret a Kubernetes object references, with the
// rotation metadata of secretsmanager:DescribeSecret (no value, no version IDs, no tags).
type SecretsManagerSecret struct {
	// Ref is the secret as referenced (a name or an ARN), Region the region it was asked in.
	Ref    string `json:"ref"`
	Region string `json:"region"`
	// ReferencedBy are the objects that name it: "SecretProviderClass shop/db",
	// "ExternalSecret shop/api".
	ReferencedBy []string `json:"referencedBy"`
	// Missing: DescribeSecret answered ResourceNotFoundException.
	Missing          bool                       `json:"missing,omitempty"`
	ARN              string                     `json:"arn,omitempty"`
	Name             string                     `json:"name,omitempty"`
	RotationEnabled  *bool                      `json:"rotationEnabled,omitempty"`
	RotationRules    *smtypes.RotationRulesType `json:"rotationRules,omitempty"`
	CreatedDate      *time.Time                 `json:"createdDate,omitempty"`
	LastChangedDate  *time.Time                 `json:"lastChangedDate,omitempty"`
	LastRotatedDate  *time.Time                 `json:"lastRotatedDate,omitempty"`
	NextRotationDate *time.Time                 `json:"nextRotationDate,omitempty"`
	DeletedDate      *time.Time                 `json:"deletedDate,omitempty"`
	OwningService    string                     `json:"owningService,omitempty"`
}

// SecurityHub is the region's AWS Security Hub: its hub and the standards enabled on it.
type SecurityHub struct {
	HubArn       string                          `json:"hubArn"`
	SubscribedAt string                          `json:"subscribedAt,omitempty"`
	Standards    []shtypes.StandardsSubscription `json:"standards,omitempty"`
}

// ConfigRecorder is an AWS Config configuration recorder with its status (nil when the
// status lists no recorder of that name).
type ConfigRecorder struct {
	Recorder cfgtypes.ConfigurationRecorder        `json:"recorder"`
	Status   *cfgtypes.ConfigurationRecorderStatus `json:"status,omitempty"`
}

// MetricFilter is a CloudWatch Logs metric filter with the alarms on the metrics it
// publishes.
type MetricFilter struct {
	Filter cwltypes.MetricFilter `json:"filter"`
	Alarms []cwtypes.MetricAlarm `json:"alarms,omitempty"`
}

// DetectiveGraph is an Amazon Detective behavior graph with its data source packages, by
// package name (EKS_AUDIT, DETECTIVE_CORE, ...).
type DetectiveGraph struct {
	Graph    dettypes.Graph                                    `json:"graph"`
	Packages map[string]dettypes.DatasourcePackageIngestDetail `json:"packages,omitempty"`
}

// EventRule is an EventBridge rule with its targets.
type EventRule struct {
	Rule    ebtypes.Rule     `json:"rule"`
	Targets []ebtypes.Target `json:"targets,omitempty"`
}

// Detector is a GuardDuty detector (guardduty:ListDetectors, guardduty:GetDetector) with
// its Runtime Monitoring coverage of the cluster (guardduty:ListCoverage filtered on
// EKS_CLUSTER_NAME: one resource per cluster).
type Detector struct {
	ID       string                       `json:"id"`
	Detector *guardduty.GetDetectorOutput `json:"detector,omitempty"`
	Coverage []gdtypes.CoverageResource   `json:"coverage,omitempty"`
	// Administrator is the account's GuardDuty administrator (guardduty:GetAdministratorAccount:
	// the delegated administrator of an organisation); nil when it has none.
	Administrator *gdtypes.Administrator `json:"administrator,omitempty"`
}

// AutoScalingGroup is an Auto Scaling group of CLUSTER_NODES with its lifecycle hooks.
type AutoScalingGroup struct {
	Group          astypes.AutoScalingGroup `json:"group"`
	LifecycleHooks []astypes.LifecycleHook  `json:"lifecycleHooks,omitempty"`
}

// IAMAuthorization is iam:GetAccountAuthorizationDetails (every page): the account's users,
// groups and roles with their inline policies and the managed policies attached to them.
// Every policy document is URL-decoded in place (the SDK's *string fields hold the JSON
// text). Policies keeps only the managed policies (customer and AWS managed) attached to
// some user, group or role, and of each only its default version.
type IAMAuthorization struct {
	Users    []iamtypes.UserDetail          `json:"users,omitempty"`
	Groups   []iamtypes.GroupDetail         `json:"groups,omitempty"`
	Roles    []iamtypes.RoleDetail          `json:"roles,omitempty"`
	Policies []iamtypes.ManagedPolicyDetail `json:"policies,omitempty"`
}

// CredentialReport is the account's IAM credential report (a CSV read by column name),
// holding only the columns the checks read: no credential is in it.
type CredentialReport struct {
	GeneratedTime *time.Time             `json:"generatedTime,omitempty"`
	Users         []CredentialReportUser `json:"users,omitempty"`
}

// CredentialReportUser is one row of the credential report. The root account's row
// (<root_account>) is kept; its PasswordEnabled is "not_supported" in the CSV, read as false.
type CredentialReportUser struct {
	User            string            `json:"user"`
	ARN             string            `json:"arn"`
	PasswordEnabled bool              `json:"passwordEnabled,omitempty"`
	MFAActive       bool              `json:"mfaActive,omitempty"`
	AccessKeys      []AccessKeyStatus `json:"accessKeys,omitempty"`
}

// AccessKeyStatus is an access key slot (1 or 2) of the credential report; a slot without
// a key is absent.
type AccessKeyStatus struct {
	Slot        int        `json:"slot"`
	Active      bool       `json:"active,omitempty"`
	LastRotated *time.Time `json:"lastRotated,omitempty"`
}

// Kubeconfig is the evidence of EKS-IAM-038: the user entries of the kubeconfig eksguard
// read that reach this cluster (a context whose cluster's server is the cluster's
// endpoint; when the endpoint is unknown, the context used).
type Kubeconfig struct {
	// Files are the kubeconfig files read.
	Files []string         `json:"files,omitempty"`
	Users []KubeconfigUser `json:"users,omitempty"`
}

// Kinds of kubeconfig credentials (KubeconfigUser.Auth).
const (
	KubeAuthAWSGetToken       = "exec:aws-eks-get-token"
	KubeAuthIAMAuthenticator  = "exec:aws-iam-authenticator"
	KubeAuthOtherExec         = "exec:other"
	KubeAuthToken             = "token"
	KubeAuthTokenFile         = "tokenFile"
	KubeAuthClientCertificate = "client-certificate"
	KubeAuthBasic             = "username-password"
	KubeAuthProvider          = "auth-provider"
)

// KubeconfigUser is one kubeconfig user entry: its name, the contexts that use it for this
// cluster, and the kinds of credential it carries (KubeAuth*), never their values.
type KubeconfigUser struct {
	Name     string   `json:"name"`
	Contexts []string `json:"contexts,omitempty"`
	Server   string   `json:"server,omitempty"`
	// Command is the base name of an exec plugin's command ("aws", "aws-iam-authenticator").
	Command string   `json:"command,omitempty"`
	Auth    []string `json:"auth,omitempty"`
}

// ControlPlaneLogGroup is the name of the CloudWatch Logs group EKS sends a cluster's
// control-plane logs to.
func ControlPlaneLogGroup(cluster string) string { return "/aws/eks/" + cluster + "/cluster" }

// AWSKind is the Gap.Kind of a denied or failed AWS call, and what a check lists in Reads
// to depend on it: "aws:" and the IAM action, e.g. AWSKind("eks:DescribeCluster") is
// "aws:eks:DescribeCluster".
func AWSKind(action string) string { return "aws:" + action }

// IsAWSKind reports whether a Gap kind or a Reads entry names an AWS call.
func IsAWSKind(kind string) bool { return strings.HasPrefix(kind, "aws:") }

// PolicyJSON turns a policy document as IAM, ECR or KMS return it (IAM documents are
// URL-encoded) into JSON for the model; text that is not JSON is kept as a JSON string.
func PolicyJSON(doc string) json.RawMessage {
	if doc == "" {
		return nil
	}
	if json.Valid([]byte(doc)) {
		return json.RawMessage(doc)
	}
	if s, err := url.PathUnescape(doc); err == nil && json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	b, _ := json.Marshal(doc)
	return b
}

// Role returns the collected role with this ARN, or nil.
func (a *AWS) Role(arn string) *IAMRole {
	for i := range a.Roles {
		if a.Roles[i].Role.Arn != nil && *a.Roles[i].Role.Arn == arn {
			return &a.Roles[i]
		}
	}
	return nil
}

// ARNRef is the object reference of a finding on an AWS resource: Kind is the ARN's service
// and resource type ("eks:cluster", "iam:role", "ec2:security-group"), Name the rest of its
// resource part, and Namespace is empty.
func ARNRef(arn string) ObjectRef {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return ObjectRef{Kind: "aws", Name: arn}
	}
	service, res := parts[2], parts[5]
	i := strings.IndexAny(res, "/:")
	if i < 0 {
		return ObjectRef{Kind: service, Name: res}
	}
	return ObjectRef{Kind: service + ":" + res[:i], Name: res[i+1:]}
}

// ClusterResource is the ARN findings about the cluster itself name: the cluster's ARN, else
// one built from the target.
func (a *AWS) ClusterResource() string {
	if a.Cluster != nil && a.Cluster.Arn != nil {
		return *a.Cluster.Arn
	}
	if a.ClusterARN != "" {
		return a.ClusterARN
	}
	partition := a.Partition
	if partition == "" {
		partition = "aws"
	}
	return "arn:" + partition + ":eks:" + a.Region + ":" + a.Account + ":cluster/" + a.ClusterName
}

// PolicyName is the last segment of a policy ARN: "AmazonEKSClusterAdminPolicy" for
// arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy.
func PolicyName(arn string) string { return arn[strings.LastIndex(arn, "/")+1:] }

// IsIAMUser reports whether an ARN names an IAM user (arn:<partition>:iam::<account>:user/...).
func IsIAMUser(arn string) bool {
	parts := strings.SplitN(arn, ":", 6)
	return len(parts) == 6 && parts[2] == "iam" && strings.HasPrefix(parts[5], "user/")
}

// ProviderInstanceID is the EC2 instance ID of a Node's spec.providerID
// (aws:///<az>/<instance-id>), or "".
func ProviderInstanceID(providerID string) string {
	rest, ok := strings.CutPrefix(providerID, "aws://")
	if !ok {
		return ""
	}
	id := rest[strings.LastIndex(rest, "/")+1:]
	if !strings.HasPrefix(id, "i-") {
		return ""
	}
	return id
}

// ManagedInstancesByID indexes ManagedInstances by instance ID: CLUSTER_NODES' state in
// Systems Manager, read by EKS-INF-011 and EKS-IR-002.
func (a *AWS) ManagedInstancesByID() map[string]ssmtypes.InstanceInformation {
	byID := make(map[string]ssmtypes.InstanceInformation, len(a.ManagedInstances))
	for _, m := range a.ManagedInstances {
		if m.InstanceId != nil {
			byID[*m.InstanceId] = m
		}
	}
	return byID
}
