package router

// Config is the support policy (the `policy:` section): toggles and
// reply templates. The policy handlers document their own fields.
type Config struct {
}

// WithDefaults returns c with zero fields set to their defaults.
func (c Config) WithDefaults() Config { return c }

// Validate reports every problem with c, one error per setting, each
// starting with the setting's key within the policy section.
func (c Config) Validate() error { return nil }
