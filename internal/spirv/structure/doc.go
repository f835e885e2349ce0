// Package structure turns a reducible control-flow graph into SPIR-V
// structured control flow.
//
// # The rules it keeps
//
// SPIR-V (specification §2.11, "Structured Control Flow") wants every
// divergence declared: a block ending in OpBranchConditional or OpSwitch
// is a selection header (OpSelectionMerge right before the branch), a loop
// is entered through a header with OpLoopMerge naming its merge block and
// continue target, and the constructs these declare nest. Lower writes
// only these shapes:
//
//  1. A selection header's merge block is a fresh block, laid out after
//     the arms; each arm starts in a fresh block (or is the merge block
//     itself when empty) and, when it falls through, branches to the
//     merge. Nothing else branches to that merge block.
//  2. A loop header is a fresh block holding only OpLoopMerge and a branch
//     to the body's first block; the continue target is a fresh block
//     holding only the back edge (OpBranch to the header); the merge block
//     is fresh. So the header dominates the construct, the continue target
//     is the only back-edge block, and no block is the merge or continue
//     target of two headers.
//  3. Leaving a construct other than through its merge is one of: a break
//     (OpBranch to the merge block of the innermost loop construct), a
//     continue (OpBranch to its continue target), or OpReturn. Breaks and
//     continues may come from inside selections and switches nested in
//     that loop construct, never from a loop construct nested inside it.
//  4. Blocks are laid out after their dominators (headers before their
//     arms and bodies, merges after them); a merge block that nothing
//     reaches ends in OpUnreachable.
//
// # The algorithm
//
// Structure first computes reverse postorder (RPO), dominators (Cooper,
// Harvey and Kennedy) and natural loops, and refuses an irreducible graph:
// one with an edge x→y, y no later than x in RPO, where y does not
// dominate x (a cycle with a second entry). Such edges are the back edges
// of a reducible graph; their targets are the loop headers.
//
// It then builds a program of Loop, Labeled (a block a Break may leave
// early), If, SwitchNode, Code, Break, Continue and Ret statements by
// walking the dominator tree, after N. Ramsey, "Beyond Relooper: recursive
// translation of unstructured control flow to structured control flow"
// (ICFP 2022), with one change for loops. Each reachable block y other
// than the entry gets a place:
//
//   - if some loop holds idom(y) but not y (y is an exit of that loop),
//     y is placed after the outermost such loop: its code follows a
//     Labeled y that encloses the loop;
//   - else if y has two or more forward in-edges (counted with
//     multiplicity), y is placed after the code of idom(y), inside
//     idom(y)'s loop when idom(y) is a header;
//   - else y's code is written where its one forward predecessor
//     branches to it.
//
// code(x) is x's Code and terminator nested in one Labeled per block
// placed after x (in RPO, the earliest innermost, so each can branch
// forward to the later ones), wrapped in a Loop when x is a header, then
// wrapped in one Labeled per loop exit placed after x, again in RPO. A
// branch x→y becomes Continue y when it is a back edge, Break y when y is
// placed after some block, and code(y) otherwise. Ramsey's version places
// exits inside the loop; placing them after it keeps code that runs once
// (barriers in particular) out of loop constructs, where SPIR-V would see
// it as non-uniform.
//
// Every Break and Continue names a Labeled or Loop that encloses it: a
// block placed after x is branched to only from blocks x dominates (idom(y)
// dominates every predecessor of y), whose code lies inside x's; and a
// loop exit is placed outside every loop that holds its dominator but not
// it, which are the loops its predecessors can be in.
//
// simplify then removes what the construction leaves redundant, without
// changing which blocks run in which order: dead code after a statement
// that never falls through; a Break whose target's end is where control
// falls anyway; "if c { ...; break L } else { E }; R" becomes "if c { ...
// } else { E; R }" when falling off R reaches L's end; a Break of L from
// inside a construct whose end reaches L's end breaks that construct
// instead; a Labeled no Break names dissolves into its body. A diamond, an
// if without else, a while or do-while loop, a loop with breaks and
// continues, need no Labeled at all.
//
// Lower writes the program: Loop and Labeled become loop constructs (a
// Labeled's continue target is unreachable, so it runs once), If a
// selection, SwitchNode a switch. A Break or Continue whose target is the
// innermost loop construct is a plain break or continue (rule 3). One
// that must leave several (a break out of nested loops) stores a number
// naming its target in a Function variable and breaks out of the
// innermost; every merge block such jumps pass through tests the
// variable: a jump that ends there clears it and breaks or continues the
// enclosing construct, one that goes further breaks out of that construct
// too. Control arriving normally finds the variable zero.
//
// # How it is checked
//
// The tests structure hand-written shapes (the forms nvcc and clang emit)
// and thousands of random reducible graphs, lower them into SPIR-V whose
// blocks call visit(b), decide(b) and choose(b), run spirv-val on the
// modules, and execute both the graph and the SPIR-V (a small interpreter
// of the instructions Lower writes) with the same random decisions,
// comparing the sequences of graph blocks visited. FuzzStructure does the
// same for arbitrary graphs: never a panic, ErrIrreducible or a module
// that validates and runs like the graph.
package structure
