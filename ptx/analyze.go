package ptx

// Analysis is the result of the standard passes over a module.
type Analysis struct {
	Module *Module
	// CFGs of every defined function (after inlining).
	CFGs map[*Func]*CFG
	// Sync marks functions whose bodies contain sync points (after
	// inlining, every sync point is in the body of the function that
	// runs it).
	Sync map[*Func]bool
}

// Analyze runs the passes the translators need, in order: InlineSyncCalls,
// then BuildCFG and Liveness for every defined function. It modifies m.
func Analyze(m *Module) (*Analysis, error) {
	if err := InlineSyncCalls(m); err != nil {
		return nil, err
	}
	a := &Analysis{Module: m, CFGs: map[*Func]*CFG{}, Sync: m.SyncFuncs()}
	for _, f := range m.Funcs {
		if f.Body == nil {
			continue
		}
		g := BuildCFG(f)
		if err := Liveness(g); err != nil {
			return nil, err
		}
		a.CFGs[f] = g
	}
	return a, nil
}
