//! A flow as a graph (petgraph): one node per step, one edge per way from a step to the
//! next (each branch of an `on` event, each branch of a `decide`).

use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

use atmflow_engine::program::{Branch, Flow, Step, StepKind};
use petgraph::Direction;
use petgraph::graph::{DiGraph, EdgeIndex, EdgeReference, NodeIndex};
use petgraph::visit::EdgeRef;

use super::Cx;

/// One way from a step to the next.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Edge<'a> {
    /// The event of an `on` transition; `None` for a `decide` branch.
    pub event: Option<&'a str>,
}

pub(crate) type EdgeRefOf<'g, 'a> = EdgeReference<'g, Edge<'a>>;

pub(crate) struct FlowGraph<'a> {
    pub flow: &'a Flow,
    pub graph: DiGraph<&'a str, Edge<'a>>,
    nodes: HashMap<&'a str, NodeIndex>,
}

/// The steps a search reached, each with the step (and event) it was first reached from.
pub(crate) struct Reached<'a> {
    parent: HashMap<NodeIndex, Option<(NodeIndex, Option<&'a str>)>>,
    /// In the order they were reached (breadth first).
    pub order: Vec<NodeIndex>,
}

impl Reached<'_> {
    pub fn contains(&self, n: NodeIndex) -> bool {
        self.parent.contains_key(&n)
    }

    /// The steps from a start of the search to `n`, both included.
    pub fn path_to(&self, n: NodeIndex) -> Vec<NodeIndex> {
        let mut path = vec![n];
        let mut cur = n;
        while let Some(Some((p, _))) = self.parent.get(&cur) {
            if path.contains(p) {
                break;
            }
            path.push(*p);
            cur = *p;
        }
        path.reverse();
        path
    }
}

impl<'a> FlowGraph<'a> {
    pub fn new(flow: &'a Flow) -> FlowGraph<'a> {
        let mut graph = DiGraph::new();
        let mut nodes = HashMap::new();
        for name in flow.steps.keys() {
            nodes.insert(name.as_str(), graph.add_node(name.as_str()));
        }
        for (name, step) in &flow.steps {
            let from = nodes[name.as_str()];
            let mut add = |event: Option<&'a str>, branch: &'a Branch| {
                if let Some(&to) = nodes.get(branch.goto.as_str()) {
                    graph.add_edge(from, to, Edge { event });
                }
            };
            for (event, branches) in &step.on {
                for b in branches {
                    add(Some(event.as_str()), b);
                }
            }
            if let StepKind::Decide(branches) = &step.kind {
                for b in branches {
                    add(None, b);
                }
            }
        }
        FlowGraph { flow, graph, nodes }
    }

    pub fn node(&self, step: &str) -> Option<NodeIndex> {
        self.nodes.get(step).copied()
    }

    pub fn start(&self) -> Option<NodeIndex> {
        self.node(&self.flow.start)
    }

    pub fn name(&self, n: NodeIndex) -> &'a str {
        self.graph[n]
    }

    pub fn step(&self, n: NodeIndex) -> &'a Step {
        &self.flow.steps[self.graph[n]]
    }

    /// The steps in the order the flow file lists them.
    pub fn nodes(&self) -> impl Iterator<Item = NodeIndex> + '_ {
        self.graph.node_indices()
    }

    pub fn edges_out(&self, n: NodeIndex) -> impl Iterator<Item = EdgeRefOf<'_, 'a>> {
        self.graph.edges_directed(n, Direction::Outgoing)
    }

    pub fn edges_in(&self, n: NodeIndex) -> impl Iterator<Item = EdgeRefOf<'_, 'a>> {
        self.graph.edges_directed(n, Direction::Incoming)
    }

    /// The targets of the branches of `event` on step `n`.
    pub fn targets_on(&self, n: NodeIndex, event: &str) -> Vec<NodeIndex> {
        self.edges_out(n)
            .filter(|e| e.weight().event == Some(event))
            .map(|e| e.target())
            .collect()
    }

    /// Breadth-first search from `starts`, following only the edges `follow` allows and
    /// not going on from the steps `stop` holds (they are reached, not passed).
    pub fn search(
        &self,
        starts: &[NodeIndex],
        follow: impl Fn(&EdgeRefOf<'_, 'a>) -> bool,
        stop: impl Fn(NodeIndex) -> bool,
    ) -> Reached<'a> {
        let mut reached = Reached {
            parent: HashMap::new(),
            order: Vec::new(),
        };
        let mut queue = VecDeque::new();
        for &s in starts {
            if let Entry::Vacant(v) = reached.parent.entry(s) {
                v.insert(None);
                reached.order.push(s);
                queue.push_back(s);
            }
        }
        while let Some(n) = queue.pop_front() {
            if stop(n) {
                continue;
            }
            for e in self.edges_out(n) {
                if !follow(&e) {
                    continue;
                }
                let t = e.target();
                if let Entry::Vacant(v) = reached.parent.entry(t) {
                    v.insert(Some((n, e.weight().event)));
                    reached.order.push(t);
                    queue.push_back(t);
                }
            }
        }
        reached
    }

    /// Every step reachable from the start.
    pub fn reachable(&self) -> Reached<'a> {
        let starts: Vec<NodeIndex> = self.start().into_iter().collect();
        self.search(&starts, |_| true, |_| false)
    }

    /// `a → b → c` by step names, with the event of each `on` branch taken as
    /// `a —ok→ b` (the first such branch between the two steps).
    pub fn path_text(&self, path: &[NodeIndex]) -> String {
        let mut out = String::new();
        for (i, &n) in path.iter().enumerate() {
            if i > 0 {
                let event = self
                    .edges_out(path[i - 1])
                    .find(|e| e.target() == n)
                    .and_then(|e| e.weight().event);
                match event {
                    Some(ev) => out.push_str(&format!(" —{ev}→ ")),
                    None => out.push_str(" → "),
                }
            }
            out.push_str(self.name(n));
        }
        out
    }

    /// For each outcome the flow can end with (from its start), whether it can be
    /// reached without crossing an edge `marked` holds, and whether it can be reached
    /// after crossing one.
    pub fn outcome_marks(&self, marked: impl Fn(&EdgeRefOf<'_, 'a>) -> bool) -> OutcomeMarks {
        let mut marks = OutcomeMarks::default();
        let Some(start) = self.start() else {
            return marks;
        };
        let before = self.search(&[start], |e| !marked(e), |_| false);
        let mut crossed = Vec::new();
        for &n in &before.order {
            for e in self.edges_out(n) {
                if marked(&e) {
                    crossed.push(e.target());
                }
            }
        }
        let after = self.search(&crossed, |_| true, |_| false);
        for (reached, set) in [(&before, &mut marks.unmarked), (&after, &mut marks.marked)] {
            for &n in &reached.order {
                if let StepKind::End(outcome) = &self.step(n).kind {
                    set.insert(outcome.clone());
                }
            }
        }
        marks
    }

    /// The outcomes the flow can end with, from its start.
    pub fn outcomes(&self) -> BTreeSet<String> {
        let reached = self.reachable();
        reached
            .order
            .iter()
            .filter_map(|n| match &self.step(*n).kind {
                StepKind::End(o) => Some(o.clone()),
                _ => None,
            })
            .collect()
    }
}

/// Outcomes of a flow by whether the paths to them cross marked edges.
#[derive(Debug, Default, Clone)]
pub(crate) struct OutcomeMarks {
    /// Outcomes some path reaches without crossing a marked edge.
    pub unmarked: BTreeSet<String>,
    /// Outcomes some path reaches after crossing a marked edge.
    pub marked: BTreeSet<String>,
}

impl OutcomeMarks {
    /// Every path to `outcome` crosses a marked edge (and there is one).
    pub fn always(&self, outcome: &str) -> bool {
        self.marked.contains(outcome) && !self.unmarked.contains(outcome)
    }
    /// Some path to `outcome` crosses a marked edge.
    pub fn sometimes(&self, outcome: &str) -> bool {
        self.marked.contains(outcome)
    }
}

/// `device.command` of a device step.
pub(crate) fn device_command(step: &Step) -> Option<String> {
    match &step.kind {
        StepKind::Device {
            device, command, ..
        } => Some(format!("{}.{command}", device.name())),
        _ => None,
    }
}

/// The flow a call step runs.
pub(crate) fn called_flow(step: &Step) -> Option<&str> {
    match &step.kind {
        StepKind::Call { flow, .. } => Some(flow),
        _ => None,
    }
}

/// Marks that carry across calls: an edge is marked when `local` says so, or when it
/// leaves a call step on an outcome whose paths in the called flow are marked (as
/// `via_call` decides: on every path, or on some). Results are kept per flow; a flow
/// that calls itself (directly or not) counts as unmarked while it is being worked out.
/// Whether an edge of a flow is marked by the flow itself.
type LocalMark<'c, 'a> = Box<dyn Fn(&FlowGraph<'a>, &EdgeRefOf<'_, 'a>) -> bool + 'c>;

pub(crate) struct CallMarks<'c, 'a> {
    cx: &'c Cx<'a>,
    local: LocalMark<'c, 'a>,
    via_call: fn(&OutcomeMarks, &str) -> bool,
    memo: HashMap<String, OutcomeMarks>,
    busy: HashSet<String>,
}

impl<'c, 'a> CallMarks<'c, 'a> {
    pub fn new(
        cx: &'c Cx<'a>,
        local: impl Fn(&FlowGraph<'a>, &EdgeRefOf<'_, 'a>) -> bool + 'c,
        via_call: fn(&OutcomeMarks, &str) -> bool,
    ) -> CallMarks<'c, 'a> {
        CallMarks {
            cx,
            local: Box::new(local),
            via_call,
            memo: HashMap::new(),
            busy: HashSet::new(),
        }
    }

    /// The marks of a flow's outcomes.
    pub fn marks(&mut self, flow: &str) -> OutcomeMarks {
        if let Some(m) = self.memo.get(flow) {
            return m.clone();
        }
        let Some(g) = self.cx.graph(flow) else {
            return OutcomeMarks::default();
        };
        if !self.busy.insert(flow.to_string()) {
            return OutcomeMarks::default();
        }
        let marked = self.marked_edges(g);
        let m = g.outcome_marks(|e| marked.contains(&e.id()));
        self.busy.remove(flow);
        self.memo.insert(flow.to_string(), m.clone());
        m
    }

    /// The marked edges of a flow.
    pub fn marked_edges(&mut self, g: &FlowGraph<'a>) -> HashSet<EdgeIndex> {
        let callees: BTreeSet<&str> = g.nodes().filter_map(|n| called_flow(g.step(n))).collect();
        let callee_marks: HashMap<&str, OutcomeMarks> =
            callees.into_iter().map(|c| (c, self.marks(c))).collect();
        g.graph
            .edge_references()
            .filter(|e| {
                (self.local)(g, e)
                    || match (called_flow(g.step(e.source())), e.weight().event) {
                        (Some(c), Some(o)) => {
                            callee_marks.get(c).is_some_and(|m| (self.via_call)(m, o))
                        }
                        _ => false,
                    }
            })
            .map(|e| e.id())
            .collect()
    }
}
