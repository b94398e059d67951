// Package keys holds the attribute keys and values of the OpenTelemetry
// semantic conventions v1.37.0 that the runtime emits, under the names that
// go.opentelemetry.io/otel/semconv/v1.37.0 gives them.
//
// They are defined here rather than imported because otel ships that package
// only from v1.38.0 on, and the runtime compiles against every OpenTelemetry
// Go release from the oldest it supports (see go/README.md), so that adding
// it does not raise a user's dependencies. The registry test of
// internal/semconv checks every key the runtime emits.
package keys

import "go.opentelemetry.io/otel/attribute"

// SchemaURL is the schema URL of semantic conventions v1.37.0.
const SchemaURL = "https://opentelemetry.io/schemas/1.37.0"

const (
	ClientAddressKey              = attribute.Key("client.address")
	ClientPortKey                 = attribute.Key("client.port")
	DBClientConnectionPoolNameKey = attribute.Key("db.client.connection.pool.name")
	DBClientConnectionStateKey    = attribute.Key("db.client.connection.state")
	DBCollectionNameKey           = attribute.Key("db.collection.name")
	DBNamespaceKey                = attribute.Key("db.namespace")
	DBOperationBatchSizeKey       = attribute.Key("db.operation.batch.size")
	DBOperationNameKey            = attribute.Key("db.operation.name")
	DBQuerySummaryKey             = attribute.Key("db.query.summary")
	DBQueryTextKey                = attribute.Key("db.query.text")
	DBResponseStatusCodeKey       = attribute.Key("db.response.status_code")
	DBSystemNameKey               = attribute.Key("db.system.name")
	ErrorTypeKey                  = attribute.Key("error.type")
	HTTPRequestMethodKey          = attribute.Key("http.request.method")
	HTTPRequestMethodOriginalKey  = attribute.Key("http.request.method_original")
	HTTPResponseStatusCodeKey     = attribute.Key("http.response.status_code")
	HTTPRouteKey                  = attribute.Key("http.route")
	NetworkPeerAddressKey         = attribute.Key("network.peer.address")
	NetworkPeerPortKey            = attribute.Key("network.peer.port")
	NetworkProtocolVersionKey     = attribute.Key("network.protocol.version")
	ServerAddressKey              = attribute.Key("server.address")
	ServerPortKey                 = attribute.Key("server.port")
	ServiceNameKey                = attribute.Key("service.name")
	TelemetryDistroNameKey        = attribute.Key("telemetry.distro.name")
	TelemetryDistroVersionKey     = attribute.Key("telemetry.distro.version")
	URLFullKey                    = attribute.Key("url.full")
	URLPathKey                    = attribute.Key("url.path")
	URLQueryKey                   = attribute.Key("url.query")
	URLSchemeKey                  = attribute.Key("url.scheme")
	UserAgentOriginalKey          = attribute.Key("user_agent.original")
)

// Enumerated values.
var (
	DBClientConnectionStateIdle = DBClientConnectionStateKey.String("idle")
	DBClientConnectionStateUsed = DBClientConnectionStateKey.String("used")
	DBSystemNameOtherSQL        = DBSystemNameKey.String("other_sql")
	DBSystemNameRedis           = DBSystemNameKey.String("redis")
)

func DBNamespace(val string) attribute.KeyValue       { return DBNamespaceKey.String(val) }
func DBOperationBatchSize(val int) attribute.KeyValue { return DBOperationBatchSizeKey.Int(val) }
func DBOperationName(val string) attribute.KeyValue   { return DBOperationNameKey.String(val) }
func DBQueryText(val string) attribute.KeyValue       { return DBQueryTextKey.String(val) }
func ServerAddress(val string) attribute.KeyValue     { return ServerAddressKey.String(val) }
func ServerPort(val int) attribute.KeyValue           { return ServerPortKey.Int(val) }
