package awstest

import (
	"context"
	"fmt"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	gdtypes "github.com/aws/aws-sdk-go-v2/service/guardduty/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Clients are SDK clients of one account (Account.Clients).
type Clients struct {
	EKS        *eks.Client
	EC2        *ec2.Client
	IAM        *iam.Client
	ECR        *ecr.Client
	KMS        *kms.Client
	CloudTrail *cloudtrail.Client
	GuardDuty  *guardduty.Client
	S3         *s3.Client
}

// Clients returns SDK clients for the account.
func (a *Account) Clients() *Clients {
	cfg := a.Config()
	return &Clients{
		EKS: eks.NewFromConfig(cfg), EC2: ec2.NewFromConfig(cfg), IAM: iam.NewFromConfig(cfg), ECR: ecr.NewFromConfig(cfg),
		KMS: kms.NewFromConfig(cfg), CloudTrail: cloudtrail.NewFromConfig(cfg), GuardDuty: guardduty.NewFromConfig(cfg),
		S3: s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }),
	}
}

// ClusterSpec describes a cluster CreateCluster builds.
type ClusterSpec struct {
	Name string
	// Public endpoint (with PublicCIDRs; none: the API default 0.0.0.0/0) and private endpoint.
	Public      bool
	PublicCIDRs []string
	Private     bool
	// Logging lists the enabled control-plane log types (api, audit, ...); none disables all.
	Logging []string
	// Encrypt adds envelope encryption of Secrets with a new customer managed key.
	Encrypt bool
	// Nodegroups managed node groups, each with a launch template (IMDSv2 required when
	// IMDSv2) and one running instance tagged for the cluster.
	Nodegroups int
	IMDSv2     bool
	Version    string
}

// Cluster is what CreateCluster built.
type Cluster struct {
	Name, ARN   string
	RoleARN     string
	NodeRoleARN string
	KeyARN      string
	VPC         string
	Subnets     []string
	Instances   []string
}

// trustEKS and trustEC2 are the trust policies of the cluster and node roles.
const (
	trustEKS = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"eks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	trustEC2 = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
)

// CreateCluster creates an EKS cluster in moto with its roles, VPC subnets (the default
// VPC's), node groups, launch templates and instances.
func (a *Account) CreateCluster(ctx context.Context, spec ClusterSpec) (*Cluster, error) {
	c := a.Clients()
	out := &Cluster{Name: spec.Name}
	role, err := c.IAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: sdkaws.String(spec.Name + "-cluster"), AssumeRolePolicyDocument: sdkaws.String(trustEKS)})
	if err != nil {
		return nil, fmt.Errorf("create cluster role: %w", err)
	}
	out.RoleARN = *role.Role.Arn
	if _, err := c.IAM.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: role.Role.RoleName, PolicyArn: sdkaws.String("arn:aws:iam::aws:policy/AmazonEKSClusterPolicy")}); err != nil {
		return nil, fmt.Errorf("attach cluster policy: %w", err)
	}
	subnets, err := c.EC2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
	if err != nil {
		return nil, fmt.Errorf("describe subnets: %w", err)
	}
	for i, s := range subnets.Subnets {
		if i < 2 {
			out.Subnets = append(out.Subnets, *s.SubnetId)
			out.VPC = *s.VpcId
		}
	}
	a.ec2Writes.Lock()
	sg, err := c.EC2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: sdkaws.String(spec.Name + "-cp"), Description: sdkaws.String("control plane"), VpcId: &out.VPC})
	a.ec2Writes.Unlock()
	if err != nil {
		return nil, fmt.Errorf("create security group: %w", err)
	}
	vpc := &ekstypes.VpcConfigRequest{SubnetIds: out.Subnets, SecurityGroupIds: []string{*sg.GroupId},
		EndpointPublicAccess: &spec.Public, EndpointPrivateAccess: &spec.Private, PublicAccessCidrs: spec.PublicCIDRs}
	in := &eks.CreateClusterInput{Name: &spec.Name, RoleArn: &out.RoleARN, ResourcesVpcConfig: vpc}
	if spec.Version != "" {
		in.Version = &spec.Version
	}
	if len(spec.Logging) > 0 {
		var types []ekstypes.LogType
		for _, l := range spec.Logging {
			types = append(types, ekstypes.LogType(l))
		}
		in.Logging = &ekstypes.Logging{ClusterLogging: []ekstypes.LogSetup{{Enabled: sdkaws.Bool(true), Types: types}}}
	}
	if spec.Encrypt {
		key, err := c.KMS.CreateKey(ctx, &kms.CreateKeyInput{Description: sdkaws.String(spec.Name + " secrets")})
		if err != nil {
			return nil, fmt.Errorf("create key: %w", err)
		}
		out.KeyARN = *key.KeyMetadata.Arn
		in.EncryptionConfig = []ekstypes.EncryptionConfig{{Resources: []string{"secrets"}, Provider: &ekstypes.Provider{KeyArn: &out.KeyARN}}}
	}
	cl, err := c.EKS.CreateCluster(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("create cluster: %w", err)
	}
	out.ARN = *cl.Cluster.Arn
	if spec.Nodegroups == 0 {
		return out, nil
	}
	nodeRole, err := c.IAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: sdkaws.String(spec.Name + "-node"), AssumeRolePolicyDocument: sdkaws.String(trustEC2)})
	if err != nil {
		return nil, fmt.Errorf("create node role: %w", err)
	}
	out.NodeRoleARN = *nodeRole.Role.Arn
	for _, p := range []string{"AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly", "AmazonEKS_CNI_Policy"} {
		if _, err := c.IAM.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: nodeRole.Role.RoleName, PolicyArn: sdkaws.String("arn:aws:iam::aws:policy/" + p)}); err != nil {
			return nil, fmt.Errorf("attach node policy: %w", err)
		}
	}
	a.ec2Writes.Lock()
	profile, err := c.IAM.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: sdkaws.String(spec.Name + "-node")})
	if err == nil {
		_, err = c.IAM.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: profile.InstanceProfile.InstanceProfileName, RoleName: nodeRole.Role.RoleName})
	}
	a.ec2Writes.Unlock()
	if err != nil {
		return nil, fmt.Errorf("create instance profile %s-node: %w", spec.Name, err)
	}
	tokens := ec2types.LaunchTemplateHttpTokensStateOptional
	if spec.IMDSv2 {
		tokens = ec2types.LaunchTemplateHttpTokensStateRequired
	}
	for i := range spec.Nodegroups {
		name := fmt.Sprintf("%s-ng%d", spec.Name, i)
		lt, err := c.EC2.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: &name, LaunchTemplateData: &ec2types.RequestLaunchTemplateData{
			MetadataOptions: &ec2types.LaunchTemplateInstanceMetadataOptionsRequest{HttpTokens: tokens, HttpPutResponseHopLimit: sdkaws.Int32(2)}}})
		if err != nil {
			return nil, fmt.Errorf("create launch template: %w", err)
		}
		if _, err := c.EKS.CreateNodegroup(ctx, &eks.CreateNodegroupInput{ClusterName: &spec.Name, NodegroupName: &name, NodeRole: &out.NodeRoleARN,
			Subnets: out.Subnets, LaunchTemplate: &ekstypes.LaunchTemplateSpecification{Id: lt.LaunchTemplate.LaunchTemplateId, Version: sdkaws.String("1")}}); err != nil {
			return nil, fmt.Errorf("create node group: %w", err)
		}
		a.ec2Writes.Lock()
		run, err := c.EC2.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: sdkaws.String("ami-12c6146b"), MinCount: sdkaws.Int32(1), MaxCount: sdkaws.Int32(1),
			InstanceType: ec2types.InstanceTypeM5Large, SubnetId: &out.Subnets[0],
			IamInstanceProfile: &ec2types.IamInstanceProfileSpecification{Arn: profile.InstanceProfile.Arn},
			TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeInstance, Tags: []ec2types.Tag{
				{Key: sdkaws.String("aws:eks:cluster-name"), Value: &spec.Name}, {Key: sdkaws.String("eks:nodegroup-name"), Value: &name}}}}})
		a.ec2Writes.Unlock()
		if err != nil {
			return nil, fmt.Errorf("run instance: %w", err)
		}
		out.Instances = append(out.Instances, *run.Instances[0].InstanceId)
	}
	return out, nil
}

// CreateRepository creates an ECR repository with scan on push and, when given, a lifecycle
// policy and repository policy.
func (a *Account) CreateRepository(ctx context.Context, name string, lifecycle, policy string) error {
	c := a.Clients()
	if _, err := c.ECR.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: &name,
		ImageScanningConfiguration: &ecrtypes.ImageScanningConfiguration{ScanOnPush: true}, ImageTagMutability: ecrtypes.ImageTagMutabilityImmutable}); err != nil {
		return fmt.Errorf("create repository: %w", err)
	}
	if lifecycle != "" {
		if _, err := c.ECR.PutLifecyclePolicy(ctx, &ecr.PutLifecyclePolicyInput{RepositoryName: &name, LifecyclePolicyText: &lifecycle}); err != nil {
			return fmt.Errorf("put lifecycle policy: %w", err)
		}
	}
	if policy != "" {
		if _, err := c.ECR.SetRepositoryPolicy(ctx, &ecr.SetRepositoryPolicyInput{RepositoryName: &name, PolicyText: &policy}); err != nil {
			return fmt.Errorf("set repository policy: %w", err)
		}
	}
	return nil
}

// CreateTrail creates a multi-region trail (and its bucket) and starts logging.
func (a *Account) CreateTrail(ctx context.Context, name string) error {
	c := a.Clients()
	bucket := name + "-" + a.ID
	if _, err := c.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
		return fmt.Errorf("create bucket: %w", err)
	}
	if _, err := c.CloudTrail.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: &name, S3BucketName: &bucket,
		IsMultiRegionTrail: sdkaws.Bool(true), EnableLogFileValidation: sdkaws.Bool(true)}); err != nil {
		return fmt.Errorf("create trail: %w", err)
	}
	if _, err := c.CloudTrail.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: &name}); err != nil {
		return fmt.Errorf("start logging: %w", err)
	}
	return nil
}

// CreateDetector enables GuardDuty with EKS audit log monitoring and runtime monitoring.
func (a *Account) CreateDetector(ctx context.Context) (string, error) {
	out, err := a.Clients().GuardDuty.CreateDetector(ctx, &guardduty.CreateDetectorInput{Enable: sdkaws.Bool(true),
		Features: []gdtypes.DetectorFeatureConfiguration{
			{Name: gdtypes.DetectorFeatureEksAuditLogs, Status: gdtypes.FeatureStatusEnabled},
			{Name: gdtypes.DetectorFeatureRuntimeMonitoring, Status: gdtypes.FeatureStatusEnabled},
		}})
	if err != nil {
		return "", fmt.Errorf("create detector: %w", err)
	}
	return *out.DetectorId, nil
}

// CreateRole creates an IAM role with a trust policy and an inline policy (when given).
func (a *Account) CreateRole(ctx context.Context, name, trust, inline string) (string, error) {
	c := a.Clients()
	out, err := c.IAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: &name, AssumeRolePolicyDocument: &trust})
	if err != nil {
		return "", fmt.Errorf("create role: %w", err)
	}
	if inline != "" {
		if _, err := c.IAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: &name, PolicyName: sdkaws.String(name + "-inline"), PolicyDocument: &inline}); err != nil {
			return "", fmt.Errorf("put role policy: %w", err)
		}
	}
	return *out.Role.Arn, nil
}

// CreatePolicy creates a customer-managed policy and attaches it to a role.
func (a *Account) CreatePolicy(ctx context.Context, role, name, document string) (string, error) {
	c := a.Clients()
	out, err := c.IAM.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: &name, PolicyDocument: &document})
	if err != nil {
		return "", fmt.Errorf("create policy: %w", err)
	}
	if _, err := c.IAM.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: &role, PolicyArn: out.Policy.Arn}); err != nil {
		return "", fmt.Errorf("attach policy: %w", err)
	}
	return *out.Policy.Arn, nil
}
