package access

import _ "embed"

//go:embed openapi.yaml
var openAPISpec []byte

//go:embed openapi-extensions.yaml
var extensionSpec []byte

// OpenAPISpec returns the JFrog Access OpenAPI description this client
// implements (a copy of ../shared/jfrog-access-openapi.yaml).
func OpenAPISpec() []byte { return append([]byte(nil), openAPISpec...) }

// ExtensionSpec returns the OpenAPI description of the endpoints the real
// platform has and openapi.yaml lacks: the project member lists.
func ExtensionSpec() []byte { return append([]byte(nil), extensionSpec...) }
