package access

// The types below mirror the schemas of the JFrog Access OpenAPI file
// (openapi.yaml in this package). Request types use pointers where the API
// distinguishes "not sent" from a zero value (PATCH semantics); response
// types use plain values. Permission and project types carry yaml tags too,
// because the desired-state and emulator-state files use the API's names.

// User is a platform user as the API returns it (schema User).
type User struct {
	Username                 string   `json:"username"`
	Email                    string   `json:"email,omitempty"`
	Admin                    bool     `json:"admin"`
	ProfileUpdatable         bool     `json:"profile_updatable"`
	DisableUIAccess          bool     `json:"disable_ui_access"`
	InternalPasswordDisabled bool     `json:"internal_password_disabled"`
	Status                   string   `json:"status,omitempty"`
	Groups                   []string `json:"groups,omitempty"`
	Realm                    string   `json:"realm,omitempty"`
	LastLoggedIn             string   `json:"last_logged_in,omitempty"`
	Created                  string   `json:"created,omitempty"`
}

// User statuses (the enum of User.status).
const (
	StatusEnabled  = "enabled"
	StatusDisabled = "disabled"
)

// CreateUserRequest is the body of createUser.
type CreateUserRequest struct {
	Username         string   `json:"username"`
	Email            string   `json:"email"`
	Password         string   `json:"password"`
	Admin            *bool    `json:"admin,omitempty"`
	ProfileUpdatable *bool    `json:"profile_updatable,omitempty"`
	DisableUIAccess  *bool    `json:"disable_ui_access,omitempty"`
	Groups           []string `json:"groups,omitempty"`
}

// UpdateUserRequest is the body of updateUser: only fields that are set are
// changed.
type UpdateUserRequest struct {
	Email            *string   `json:"email,omitempty"`
	Password         *string   `json:"password,omitempty"`
	Admin            *bool     `json:"admin,omitempty"`
	ProfileUpdatable *bool     `json:"profile_updatable,omitempty"`
	DisableUIAccess  *bool     `json:"disable_ui_access,omitempty"`
	Status           *string   `json:"status,omitempty"`
	Groups           *[]string `json:"groups,omitempty"`
}

// ListUsersOptions filters listUsers.
type ListUsersOptions struct {
	// Status is "enabled", "disabled" or empty for all users.
	Status string
}

// Group is a group as the API returns it and as createGroup takes it
// (schema Group).
type Group struct {
	Name            string   `json:"name"`
	Description     string   `json:"description,omitempty"`
	AutoJoin        bool     `json:"auto_join"`
	AdminPrivileges bool     `json:"admin_privileges"`
	Realm           string   `json:"realm,omitempty"`
	ExternalID      string   `json:"external_id,omitempty"`
	Members         []string `json:"members,omitempty"`
}

// GroupUpdate is the body of updateGroup (schema Group, where name is
// required): only fields that are set are changed. Members, when set,
// replaces the whole membership.
type GroupUpdate struct {
	Name            string    `json:"name"`
	Description     *string   `json:"description,omitempty"`
	AutoJoin        *bool     `json:"auto_join,omitempty"`
	AdminPrivileges *bool     `json:"admin_privileges,omitempty"`
	Realm           *string   `json:"realm,omitempty"`
	ExternalID      *string   `json:"external_id,omitempty"`
	Members         *[]string `json:"members,omitempty"`
}

// Permission is a permission target (schema Permission).
type Permission struct {
	Name      string              `json:"name" yaml:"name"`
	Resources PermissionResources `json:"resources" yaml:"resources"`
}

// PermissionResources holds the targets of a permission by resource type and
// resource name.
type PermissionResources struct {
	Repository    map[string]PermissionTarget `json:"repository,omitempty" yaml:"repository,omitempty"`
	Build         map[string]PermissionTarget `json:"build,omitempty" yaml:"build,omitempty"`
	ReleaseBundle map[string]PermissionTarget `json:"releaseBundle,omitempty" yaml:"releaseBundle,omitempty"`
}

// PermissionTarget is what a permission grants on one resource.
type PermissionTarget struct {
	IncludePatterns []string          `json:"include_patterns,omitempty" yaml:"include_patterns,omitempty"`
	ExcludePatterns []string          `json:"exclude_patterns,omitempty" yaml:"exclude_patterns,omitempty"`
	Actions         PermissionActions `json:"actions" yaml:"actions"`
}

// PermissionActions maps user and group names to the actions they may take.
type PermissionActions struct {
	Users  map[string][]string `json:"users,omitempty" yaml:"users,omitempty"`
	Groups map[string][]string `json:"groups,omitempty" yaml:"groups,omitempty"`
}

// Actions returns the permission actions the API accepts (the enum of the
// repository actions in the Permission schema).
func Actions() []string {
	return []string{"read", "write", "annotate", "delete", "manage", "managedXrayMeta", "distribute"}
}

// Project is a project as the API returns it (schema Project).
type Project struct {
	ProjectKey                    string           `json:"project_key"`
	DisplayName                   string           `json:"display_name,omitempty"`
	Description                   string           `json:"description,omitempty"`
	AdminPrivileges               *AdminPrivileges `json:"admin_privileges,omitempty"`
	MaxStorageInGibibytes         *int64           `json:"max_storage_in_gibibytes,omitempty"`
	SoftLimit                     *bool            `json:"soft_limit,omitempty"`
	StorageQuotaBytes             *int64           `json:"storage_quota_bytes,omitempty"`
	StorageQuotaEmailNotification *bool            `json:"storage_quota_email_notification,omitempty"`
}

// ProjectRequest is the body of createProject and updateProject (schema
// ProjectRequest). updateProject replaces the project's settings.
type ProjectRequest struct {
	ProjectKey            string           `json:"project_key"`
	DisplayName           string           `json:"display_name"`
	Description           string           `json:"description,omitempty"`
	AdminPrivileges       *AdminPrivileges `json:"admin_privileges,omitempty"`
	MaxStorageInGibibytes *int64           `json:"max_storage_in_gibibytes,omitempty"`
}

// AdminPrivileges is what a project's administrators may do.
type AdminPrivileges struct {
	ManageMembers        bool `json:"manage_members" yaml:"manage_members"`
	ManageResources      bool `json:"manage_resources" yaml:"manage_resources"`
	ManageSecurityAssets bool `json:"manage_security_assets" yaml:"manage_security_assets"`
	IndexResources       bool `json:"index_resources" yaml:"index_resources"`
	AllowIgnoreRules     bool `json:"allow_ignore_rules" yaml:"allow_ignore_rules"`
}

// ProjectMember is a user or group member of a project with its roles, as
// GET /api/v1/projects/{projectKey}/users and .../groups return them.
type ProjectMember struct {
	Name  string   `json:"name"`
	Roles []string `json:"roles"`
}

// ProjectMembers is the body of the project member list endpoints.
type ProjectMembers struct {
	Members []ProjectMember `json:"members"`
}

// ProjectRoles is the body of addUserToProject and addGroupToProject.
type ProjectRoles struct {
	Roles []string `json:"roles"`
}

// TokenInfo is an access token's metadata (schema TokenInfo).
type TokenInfo struct {
	TokenID     string `json:"token_id"`
	Subject     string `json:"subject,omitempty"`
	Expiry      int64  `json:"expiry,omitempty"`
	IssuedAt    int64  `json:"issued_at,omitempty"`
	Issuer      string `json:"issuer,omitempty"`
	Description string `json:"description,omitempty"`
	Refreshable bool   `json:"refreshable"`
	Scope       string `json:"scope,omitempty"`
	Audience    string `json:"audience,omitempty"`
}

// CreateTokenRequest is the body of createToken.
type CreateTokenRequest struct {
	Subject               string `json:"subject,omitempty"`
	Scope                 string `json:"scope"`
	ExpiresIn             *int64 `json:"expires_in,omitempty"`
	Refreshable           bool   `json:"refreshable,omitempty"`
	Description           string `json:"description,omitempty"`
	Audience              string `json:"audience,omitempty"`
	IncludeReferenceToken bool   `json:"include_reference_token,omitempty"`
	ProjectKey            string `json:"project_key,omitempty"`
}

// TokenResponse is the answer of createToken. AccessToken, RefreshToken and
// ReferenceToken are secrets: never log them.
type TokenResponse struct {
	TokenID        string `json:"token_id"`
	AccessToken    string `json:"access_token"`
	RefreshToken   string `json:"refresh_token,omitempty"`
	ExpiresIn      int64  `json:"expires_in,omitempty"`
	Scope          string `json:"scope,omitempty"`
	TokenType      string `json:"token_type,omitempty"`
	ReferenceToken string `json:"reference_token,omitempty"`
}

// ListTokensOptions filters listTokens.
type ListTokensOptions struct {
	Subject string
	TokenID string
}

// SystemVersion is the answer of getSystemVersion.
type SystemVersion struct {
	Version  string `json:"version"`
	Revision string `json:"revision"`
}

// ErrorBody is the body of every error answer:
// {"errors": [{"code": "NOT_FOUND", "message": "..."}]}.
type ErrorBody struct {
	Errors []ErrorDetail `json:"errors"`
}

// ErrorDetail is one error of an ErrorBody.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}
