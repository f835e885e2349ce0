package modfile

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/streamhal/streamhal/hal"
)

// PTXVersion is a PTX ISA version, as a module's .version directive states
// it ("8.4" is {8, 4}).
type PTXVersion struct{ Major, Minor int }

// ParsePTXVersion parses "major.minor".
func ParsePTXVersion(s string) (PTXVersion, bool) {
	maj, min, ok := strings.Cut(s, ".")
	if !ok {
		return PTXVersion{}, false
	}
	a, err1 := strconv.Atoi(maj)
	b, err2 := strconv.Atoi(min)
	if err1 != nil || err2 != nil || a < 0 || b < 0 || a > 1000 || b > 1000 {
		return PTXVersion{}, false
	}
	return PTXVersion{a, b}, true
}

func (v PTXVersion) String() string { return fmt.Sprintf("%d.%d", v.Major, v.Minor) }

// IsZero reports whether v is the zero version, which stands for "any" as
// a limit.
func (v PTXVersion) IsZero() bool { return v == PTXVersion{} }

// Compare returns -1, 0 or +1 as v is older than, equal to or newer than w.
func (v PTXVersion) Compare(w PTXVersion) int {
	switch {
	case v.Major != w.Major:
		return cmpInt(v.Major, w.Major)
	default:
		return cmpInt(v.Minor, w.Minor)
	}
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// ptxCandidate is one PTX module a CPU device could translate, found in an
// image, with what ranks it.
type ptxCandidate struct {
	version  PTXVersion
	sm       int
	specific bool   // sm_90a / sm_100f: may use instructions only that GPU has
	which    string // where it is, for messages
	entry    int    // the fat container entry holding it, -1 for none
	load     func() ([]byte, error)
}

// betterPTX reports whether a ranks above b for a translator that accepts
// PTX ISA versions up to max (zero: any). Accepted versions come first,
// newest first: a newer ISA lets the producer say more, and the newest the
// translator knows is the best it can do. Generic PTX ranks above
// arch-specific PTX of the same version, which may use instructions the
// translator has no CPU form for; then the higher SM wins, as the newer
// target. When no version is accepted, the oldest comes first, as the one
// most likely to translate.
func betterPTX(a, b ptxCandidate, max PTXVersion) bool {
	okA := max.IsZero() || a.version.Compare(max) <= 0
	okB := max.IsZero() || b.version.Compare(max) <= 0
	if okA != okB {
		return okA
	}
	if a.specific != b.specific {
		return !a.specific
	}
	if c := a.version.Compare(b.version); c != 0 {
		return (c > 0) == okA
	}
	return a.sm > b.sm
}

// bestPTX returns the index of the best candidate, -1 when there is none.
func bestPTX(cs []ptxCandidate, max PTXVersion) int {
	best := -1
	for i := range cs {
		if best < 0 || betterPTX(cs[i], cs[best], max) {
			best = i
		}
	}
	return best
}

// ptxTextCandidate describes PTX text (a bare module or a fat container
// entry) by its .version and .target directives.
func ptxTextCandidate(data []byte, which string, entry int) (ptxCandidate, error) {
	version, target, ok := ptxHeader(data)
	if !ok {
		return ptxCandidate{}, fmt.Errorf("hal/modfile: %s: text without PTX .version and .target directives: %w", which, hal.ErrInvalidImage)
	}
	v, ok := ParsePTXVersion(version)
	if !ok {
		return ptxCandidate{}, fmt.Errorf("hal/modfile: %s: .version %q is not major.minor: %w", which, version, hal.ErrInvalidImage)
	}
	sm, specific, _ := parseSM(target)
	return ptxCandidate{
		version: v, sm: sm, specific: specific, entry: entry,
		which: fmt.Sprintf("%s (PTX ISA %s, %s)", which, v, target),
		load:  func() ([]byte, error) { return bytes.TrimRight(data, "\x00"), nil },
	}, nil
}

// fatbinCandidates lists the PTX entries of an NVIDIA fatbin, each
// decompressed only when loaded.
func fatbinCandidates(data []byte, which string, entry int) ([]ptxCandidate, error) {
	recs, err := scanFatbin(data)
	if err != nil {
		return nil, err
	}
	var cs []ptxCandidate
	for i := range recs {
		r := &recs[i]
		if r.Kind != FatbinPTX {
			continue
		}
		where := fmt.Sprintf("fatbin entry %d", i)
		if which != "" {
			where = which + ": " + where
		}
		cs = append(cs, ptxCandidate{
			version:  PTXVersion{r.Major, r.Minor},
			sm:       r.Arch,
			specific: r.Flags&(FatbinFlagArchSpecific|FatbinFlagFamilySpecific) != 0,
			entry:    entry,
			which:    fmt.Sprintf("%s (%s, PTX ISA %d.%d)", where, r.Target(), r.Major, r.Minor),
			load: func() ([]byte, error) {
				p, err := r.payload(fatbinBudget(len(data)))
				if err != nil {
					return nil, fatbinErr("%s: %v", where, err)
				}
				return p, nil
			},
		})
	}
	return cs, nil
}

// fatCandidates lists the PTX in a fat container's entries: its ptx entries
// and the PTX entries of its fatbin entries. Only the formats it is given
// count.
func fatCandidates(entries []FatEntry, formats ...hal.Format) ([]ptxCandidate, error) {
	var cs []ptxCandidate
	for i, e := range entries {
		if !hasFormat(formats, e.Format) {
			continue
		}
		which := fmt.Sprintf("fat entry %d (%s %s)", i, e.Format, e.Target)
		switch e.Format {
		case hal.FormatPTX:
			c, err := ptxTextCandidate(e.Data, which, i)
			if err != nil {
				return nil, err
			}
			cs = append(cs, c)
		case hal.FormatFatbin:
			fc, err := fatbinCandidates(e.Data, which, i)
			if err != nil {
				return nil, err
			}
			cs = append(cs, fc...)
		}
	}
	return cs, nil
}

func hasFormat(fs []hal.Format, f hal.Format) bool {
	for _, x := range fs {
		if x == f {
			return true
		}
	}
	return false
}

// ExtractPTX returns the PTX a CPU device translates from a module image of
// the given format (as Detect names it):
//
//   - ptx: the image itself.
//   - fatbin: its best PTX entry, decompressed (an ELF host binary with a
//     .nv_fatbin section is read as its fatbin).
//   - streamhal-fat: the best of its ptx entries and of the PTX entries of
//     its fatbin entries. A CPU device that finds a cpu-elf entry for its
//     architecture loads that instead, without translating: Select, given
//     the CPU formats (cpu-elf first), makes that choice.
//
// "Best" is the newest PTX ISA version up to max, the newest the translator
// accepts (zero: any); generic PTX before arch-specific ("sm_90a"); then
// the highest SM. When every version is newer than max, the oldest is
// returned, for the translator to try and report on.
//
// The PTX may alias data (uncompressed entries, bare PTX), without its
// trailing NUL bytes. which describes the choice for logs and errors: "fatbin entry 2
// (compute_80, PTX ISA 8.4)". An image that holds no PTX is an error
// wrapping hal.ErrNoBinaryForDevice that lists what it holds; a malformed
// one wraps hal.ErrInvalidImage.
func ExtractPTX(format hal.Format, data []byte, max PTXVersion) (ptx []byte, which string, err error) {
	var cs []ptxCandidate
	var have string
	switch format {
	case hal.FormatPTX:
		c, err := ptxTextCandidate(data, "ptx", -1)
		if err != nil {
			return nil, "", err
		}
		cs, have = []ptxCandidate{c}, "ptx"
	case hal.FormatFatbin:
		if cs, err = fatbinCandidates(data, "", -1); err != nil {
			return nil, "", err
		}
		if len(cs) == 0 {
			have = describeFatbin(data)
		}
	case hal.FormatFat:
		entries, err := ParseFat(data)
		if err != nil {
			return nil, "", err
		}
		if cs, err = fatCandidates(entries, hal.FormatPTX, hal.FormatFatbin); err != nil {
			return nil, "", err
		}
		names := make([]string, len(entries))
		for i, e := range entries {
			names[i] = string(e.Format) + " " + e.Target
		}
		have = "a fat container of [" + strings.Join(names, ", ") + "]"
	default:
		have = "a " + string(format) + " image"
	}
	i := bestPTX(cs, max)
	if i < 0 {
		return nil, "", fmt.Errorf("hal/modfile: extract PTX: %s holds no PTX for the CPU to translate: %w", have, hal.ErrNoBinaryForDevice)
	}
	ptx, err = cs[i].load()
	if err != nil {
		return nil, "", err
	}
	if format != hal.FormatPTX {
		if err := checkPTXHeader(ptx); err != nil {
			return nil, "", fmt.Errorf("hal/modfile: extract PTX: %s is not PTX text: %w", cs[i].which, hal.ErrInvalidImage)
		}
	}
	return ptx, cs[i].which, nil
}

// describeFatbin lists a fatbin's entries for an error message.
func describeFatbin(data []byte) string {
	recs, err := scanFatbin(data)
	if err != nil {
		return "a malformed fatbin"
	}
	names := make([]string, len(recs))
	for i := range recs {
		names[i] = recs[i].Kind.String() + " " + recs[i].Target()
	}
	return "a fatbin of [" + strings.Join(names, ", ") + "]"
}
