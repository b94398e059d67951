package api

import (
	"os"
	"strconv"
	"strings"
	"sync/atomic"
)

// Environment variables read by [Enabled].
const (
	EnvSDKDisabled              = "OTEL_SDK_DISABLED"
	EnvEnabledInstrumentations  = "OTEL_GO_ENABLED_INSTRUMENTATIONS"
	EnvDisabledInstrumentations = "OTEL_GO_DISABLED_INSTRUMENTATIONS"
)

// switches is the parsed form of the environment variables above.
type switches struct {
	sdkDisabled bool
	// allEnabled is true when no list names anything: Enabled needs no lookup.
	allEnabled bool
	// only is the allow list (nil: every instrumentation is allowed).
	only map[string]bool
	// except is the deny list; it wins over only.
	except map[string]bool
}

var current atomic.Pointer[switches]

func init() { ReloadEnvironment() }

// ReloadEnvironment parses the switches again from the process environment.
// The runtime reads them once at start-up; tests that change the environment
// call this afterwards.
func ReloadEnvironment() {
	current.Store(parseSwitches(os.Getenv))
}

// SDKDisabled reports whether OTEL_SDK_DISABLED is true: then no telemetry is
// produced at all and every hook is a no-op.
func SDKDisabled() bool { return current.Load().sdkDisabled }

// Enabled reports whether the named instrumentation (the `instrumentation` of
// its rule file, e.g. "nethttp") may produce telemetry. It is false when
// OTEL_SDK_DISABLED=true, when OTEL_GO_ENABLED_INSTRUMENTATIONS is set and does
// not list the name, and when OTEL_GO_DISABLED_INSTRUMENTATIONS lists it. Both
// lists are comma separated and case insensitive; a name in both is disabled.
// The environment is parsed once; a lookup costs at most two map reads.
func Enabled(instrumentation string) bool {
	return current.Load().enabled(instrumentation)
}

func (s *switches) enabled(name string) bool {
	if s.sdkDisabled {
		return false
	}
	if s.allEnabled {
		return true
	}
	name = strings.ToLower(name)
	if s.except[name] {
		return false
	}
	return s.only == nil || s.only[name]
}

func parseSwitches(getenv func(string) string) *switches {
	s := &switches{
		sdkDisabled: parseBool(getenv(EnvSDKDisabled)),
		only:        parseList(getenv(EnvEnabledInstrumentations)),
		except:      parseList(getenv(EnvDisabledInstrumentations)),
	}
	s.allEnabled = s.only == nil && s.except == nil
	return s
}

// parseBool accepts what strconv.ParseBool accepts ("true", "TRUE", "1", …),
// case insensitively; anything else is false, as the specification asks.
func parseBool(v string) bool {
	b, err := strconv.ParseBool(strings.ToLower(strings.TrimSpace(v)))
	return err == nil && b
}

// parseList splits a comma separated list into a set of lower-case names. An
// empty or blank list is nil, meaning "not set".
func parseList(v string) map[string]bool {
	var set map[string]bool
	for _, name := range strings.Split(v, ",") {
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			continue
		}
		if set == nil {
			set = make(map[string]bool)
		}
		set[name] = true
	}
	return set
}
