//! The studio's preview off the page's main thread. At 5,000 people one preview takes hundreds of
//! milliseconds and the first one seconds; run on the page, each froze the tab. The same browser
//! half runs in a dedicated Web Worker (`public/studio-worker.js` starts it with the page's
//! compiled WebAssembly module), keeps the engine there, and answers the page's requests.
//!
//! The protocol: the page sends [`Request`]s and the worker answers each [`Request::Preview`]
//! and [`Request::WhyNot`] with one [`Reply`], in order, as JSON text. The page keeps at most one
//! preview in flight: a configuration that arrives meanwhile waits, and a newer one replaces it
//! ([`Channel`]), so the preview on screen always catches up with the sliders without working
//! through every position they passed.

use crate::matching::{Config, Engine, MatchError, MatchResult, PersonId, Problem, WhyNot};
use serde::{Deserialize, Serialize};

/// What the page asks of the worker.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Request {
    /// The programme's pool; sent once, first.
    Pool(Problem),
    /// Run the engine under `config`; `seq` comes back in the reply.
    Preview { seq: u64, config: Config },
    /// Why `mentor` and `mentee` are not paired under `config`.
    WhyNot { seq: u64, config: Config, mentor: PersonId, mentee: PersonId },
}

/// A preview and what each pin costs in total score (the total without that pin minus the
/// total with every pin; computed for up to [`PIN_COSTS_UP_TO`] pins).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Previewed {
    pub result: MatchResult,
    pub pin_costs: Vec<((PersonId, PersonId), f64)>,
    /// The worker's time on this request, in milliseconds (0 where nobody timed it).
    pub millis: f64,
}

/// What the worker answers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Reply {
    /// The worker is running and takes requests.
    Ready,
    Preview { seq: u64, outcome: Result<Previewed, MatchError> },
    WhyNot { seq: u64, outcome: Result<WhyNot, MatchError> },
    /// The worker could not start, could not read a request or stopped; the page also makes
    /// one for an answer it cannot read. The text says why; nothing more is asked of it.
    Failed(String),
}

/// Pins beyond this many are shown without their cost: each cost is one more run.
pub const PIN_COSTS_UP_TO: usize = 8;

/// The worker's state: the engine, warm from its last run, and that run.
#[derive(Default)]
pub struct WorkerState {
    engine: Option<Result<Engine, MatchError>>,
    last: Option<(Config, MatchResult)>,
}

impl WorkerState {
    /// Answers one request; `None` for [`Request::Pool`], which only prepares.
    pub fn handle(&mut self, request: Request) -> Option<Reply> {
        match request {
            Request::Pool(problem) => {
                self.engine = Some(Engine::new(&problem));
                self.last = None;
                None
            }
            Request::Preview { seq, config } => {
                let mut outcome = self.preview(&config);
                if let Ok(p) = &mut outcome {
                    // The page shows each pair's strongest reason only (an explanation is asked
                    // for separately): at 5,000 people the rest would be most of the reply.
                    for pair in &mut p.result.pairs {
                        pair.reasons.truncate(1);
                    }
                }
                Some(Reply::Preview { seq, outcome })
            }
            Request::WhyNot { seq, config, mentor, mentee } => {
                let outcome = self.result_for(&config).and_then(|result| self.engine()?.why_not(&config, &result, mentor, mentee));
                Some(Reply::WhyNot { seq, outcome })
            }
        }
    }

    fn engine(&mut self) -> Result<&mut Engine, MatchError> {
        match &mut self.engine {
            Some(Ok(engine)) => Ok(engine),
            Some(Err(e)) => Err(e.clone()),
            None => Err(MatchError::NoPool),
        }
    }

    /// The run under `config`, reusing the last one when it was made under the same settings.
    fn result_for(&mut self, config: &Config) -> Result<MatchResult, MatchError> {
        if let Some((c, r)) = &self.last {
            if c == config {
                return Ok(r.clone());
            }
        }
        let result = self.engine()?.run(config)?;
        self.last = Some((config.clone(), result.clone()));
        Ok(result)
    }

    fn preview(&mut self, config: &Config) -> Result<Previewed, MatchError> {
        let result = self.result_for(config)?;
        let mut pin_costs = Vec::new();
        if !config.rules.pinned.is_empty() && config.rules.pinned.len() <= PIN_COSTS_UP_TO {
            let engine = self.engine()?;
            for pin in &config.rules.pinned {
                let mut without = config.clone();
                without.rules.pinned.retain(|p| p != pin);
                let other = engine.run(&without)?;
                pin_costs.push((*pin, (other.total - result.total).max(0.0)));
            }
            // Leave the engine warm for the configuration on screen.
            engine.run(config)?;
        }
        Ok(Previewed { result, pin_costs, millis: 0.0 })
    }
}

/// The page's side of the conversation: what is in flight and what waits. Transport-free, so
/// the ordering rules are tested natively; the browser's [`Channel`] wraps it around a worker.
#[derive(Debug, Default)]
pub struct Queue {
    ready: bool,
    pool_sent: bool,
    next_seq: u64,
    /// The preview being computed, by sequence number.
    in_flight: Option<u64>,
    /// The newest configuration asked for while another was in flight.
    waiting: Option<Config>,
    /// Questions asked before the worker was ready, in order.
    held: Vec<Request>,
    /// The worker failed: nothing more is sent or waited for.
    failed: bool,
}

impl Queue {
    /// Asks for a preview of `config`; returns the requests to send now.
    pub fn preview(&mut self, config: Config) -> Vec<Request> {
        if self.failed {
            return Vec::new();
        }
        if !self.ready || self.in_flight.is_some() {
            self.waiting = Some(config);
            return Vec::new();
        }
        self.send_preview(config)
    }

    fn send_preview(&mut self, config: Config) -> Vec<Request> {
        self.next_seq += 1;
        self.in_flight = Some(self.next_seq);
        vec![Request::Preview { seq: self.next_seq, config }]
    }

    /// Asks why a pair is not formed; returns the requests to send now and the question's
    /// sequence number (only the newest question's answer is shown).
    pub fn why_not(&mut self, config: Config, mentor: PersonId, mentee: PersonId) -> (Vec<Request>, u64) {
        self.next_seq += 1;
        let request = Request::WhyNot { seq: self.next_seq, config, mentor, mentee };
        if self.failed {
            (Vec::new(), self.next_seq)
        } else if self.ready {
            (vec![request], self.next_seq)
        } else {
            self.held.push(request);
            (Vec::new(), self.next_seq)
        }
    }

    /// The worker is ready: the pool first, then what waited.
    pub fn on_ready(&mut self, problem: impl FnOnce() -> Problem) -> Vec<Request> {
        self.ready = true;
        let mut out = Vec::new();
        if !self.pool_sent {
            self.pool_sent = true;
            out.push(Request::Pool(problem()));
        }
        if self.in_flight.is_none() {
            if let Some(config) = self.waiting.take() {
                out.extend(self.send_preview(config));
            }
        }
        out.append(&mut self.held);
        out
    }

    /// A preview came back: whether it is the one in flight (a stray one is dropped), and the
    /// requests to send now (the configuration that waited, if any).
    pub fn on_preview(&mut self, seq: u64) -> (bool, Vec<Request>) {
        if self.in_flight != Some(seq) {
            return (false, Vec::new());
        }
        self.in_flight = None;
        let next = match self.waiting.take() {
            Some(config) => self.send_preview(config),
            None => Vec::new(),
        };
        (true, next)
    }

    /// The worker failed (it could not start, or stopped with an error): forget what was in
    /// flight or waiting, and send nothing more, so the page stops waiting for it.
    pub fn fail(&mut self) {
        self.failed = true;
        self.in_flight = None;
        self.waiting = None;
        self.held.clear();
    }

    /// Whether a preview is being computed or waits.
    pub fn busy(&self) -> bool {
        self.in_flight.is_some() || self.waiting.is_some()
    }
}

/// The worker's entry point, called by `public/studio-worker.js` once the module is
/// instantiated: from then on every message goes to a [`WorkerState`].
#[cfg(all(feature = "hydrate", not(feature = "lite")))]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn studio_worker() {
    use std::cell::RefCell;
    use wasm_bindgen::{closure::Closure, JsCast, JsValue};
    console_error_panic_hook::set_once();
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let state = RefCell::new(WorkerState::default());
    let post = {
        let scope = scope.clone();
        move |reply: &Reply| {
            let text = serde_json::to_string(reply).unwrap_or_else(|e| format!("{{\"Failed\":\"{e}\"}}"));
            let _ = scope.post_message(&JsValue::from_str(&text));
        }
    };
    let on_message = {
        let post = post.clone();
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let request = event.data().as_string().ok_or_else(|| "a request that is not text".to_string());
            match request.and_then(|text| serde_json::from_str::<Request>(&text).map_err(|e| e.to_string())) {
                Ok(request) => {
                    let start = js_sys::Date::now();
                    if let Some(mut reply) = state.borrow_mut().handle(request) {
                        if let Reply::Preview { outcome: Ok(p), .. } = &mut reply {
                            p.millis = js_sys::Date::now() - start;
                        }
                        post(&reply);
                    }
                }
                Err(e) => post(&Reply::Failed(format!("The preview could not read a request: {e}"))),
            }
        })
    };
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    on_message.forget();
    post(&Reply::Ready);
}

/// Where the page's worker starts.
pub const WORKER_SCRIPT: &str = "/studio-worker.js";

#[cfg(target_arch = "wasm32")]
mod browser {
    use super::{Queue, Reply, Request};
    use crate::matching::Problem;
    use std::cell::RefCell;
    use std::rc::Rc;
    use wasm_bindgen::{closure::Closure, prelude::wasm_bindgen, JsCast, JsValue};

    #[wasm_bindgen]
    extern "C" {
        /// This script's own address (the browser half's JavaScript, named by its content):
        /// the worker imports the same file.
        #[wasm_bindgen(thread_local_v2, js_namespace = ["import", "meta"], js_name = url)]
        static SCRIPT_URL: String;
    }

    /// A worker running the preview and the queue in front of it. Dropping it stops the worker.
    pub struct Channel {
        worker: web_sys::Worker,
        queue: Rc<RefCell<Queue>>,
        _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
        _on_error: Closure<dyn FnMut(web_sys::Event)>,
    }

    impl Channel {
        /// Starts the worker. `on_reply` sees every reply with whether a preview reply is the
        /// one in flight (a stray one is not) and whether another preview is still to come;
        /// `pool` is asked for once, when the worker is ready.
        pub fn start(
            pool: impl Fn() -> Problem + 'static,
            on_reply: impl Fn(Reply, bool, bool) + 'static,
        ) -> Result<Channel, String> {
            let on_reply = Rc::new(on_reply);
            let options = web_sys::WorkerOptions::new();
            options.set_type(web_sys::WorkerType::Module);
            let worker = web_sys::Worker::new_with_options(super::WORKER_SCRIPT, &options).map_err(describe)?;
            let queue = Rc::new(RefCell::new(Queue::default()));
            let on_message = {
                let (worker, queue, on_reply) = (worker.clone(), queue.clone(), on_reply.clone());
                Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
                    let reply = match event.data().as_string().map(|t| serde_json::from_str::<Reply>(&t)) {
                        Some(Ok(reply)) => reply,
                        Some(Err(e)) => Reply::Failed(format!("The preview sent an unreadable answer: {e}")),
                        None => Reply::Failed("The preview sent an unreadable answer.".into()),
                    };
                    let (current, next) = match &reply {
                        Reply::Ready => (true, queue.borrow_mut().on_ready(&pool)),
                        Reply::Preview { seq, .. } => queue.borrow_mut().on_preview(*seq),
                        Reply::WhyNot { .. } => (true, Vec::new()),
                        Reply::Failed(_) => {
                            queue.borrow_mut().fail();
                            (true, Vec::new())
                        }
                    };
                    send_all(&worker, next);
                    let busy = queue.borrow().busy();
                    on_reply(reply, current, busy);
                })
            };
            worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            // A worker that fails to load (a plain `Event`) or stops with an error (an
            // `ErrorEvent`): the page says so where the preview would be, and stops waiting.
            let on_error = {
                let queue = queue.clone();
                Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
                    event.prevent_default();
                    queue.borrow_mut().fail();
                    let why = event.dyn_ref::<web_sys::ErrorEvent>().map(|e| e.message()).filter(|m| !m.is_empty());
                    let why = why.unwrap_or_else(|| "its script could not be loaded".into());
                    on_reply(Reply::Failed(format!("The preview stopped: {why}")), true, false);
                })
            };
            worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            // The worker instantiates the module this page already compiled.
            let start = js_sys::Object::new();
            let glue = SCRIPT_URL.with(|u| u.clone());
            js_sys::Reflect::set(&start, &"glue".into(), &glue.into()).map_err(describe)?;
            js_sys::Reflect::set(&start, &"module".into(), &wasm_bindgen::module()).map_err(describe)?;
            worker.post_message(&start).map_err(describe)?;
            Ok(Channel { worker, queue, _on_message: on_message, _on_error: on_error })
        }

        /// Asks for a preview of `config` (see [`Queue::preview`]).
        pub fn preview(&self, config: crate::matching::Config) {
            let out = self.queue.borrow_mut().preview(config);
            send_all(&self.worker, out);
        }

        /// Asks why a pair is not formed; returns the question's sequence number.
        pub fn why_not(&self, config: crate::matching::Config, mentor: i64, mentee: i64) -> u64 {
            let (out, seq) = self.queue.borrow_mut().why_not(config, mentor, mentee);
            send_all(&self.worker, out);
            seq
        }

        /// Whether a preview is being computed or waits.
        pub fn busy(&self) -> bool {
            self.queue.borrow().busy()
        }
    }

    impl Drop for Channel {
        fn drop(&mut self) {
            // No late event may reach the handlers dropped with this.
            self.worker.set_onmessage(None);
            self.worker.set_onerror(None);
            self.worker.terminate();
        }
    }

    fn send_all(worker: &web_sys::Worker, requests: Vec<Request>) {
        for request in requests {
            match serde_json::to_string(&request) {
                Ok(text) => {
                    if let Err(e) = worker.post_message(&JsValue::from_str(&text)) {
                        web_sys::console::error_1(&e);
                    }
                }
                Err(e) => web_sys::console::error_1(&JsValue::from_str(&e.to_string())),
            }
        }
    }

    fn describe(e: JsValue) -> String {
        e.as_string()
            .or_else(|| e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())))
            .unwrap_or_else(|| "the browser refused to start it".into())
    }
}

#[cfg(target_arch = "wasm32")]
pub use browser::Channel;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::synthetic;

    fn config() -> Config {
        Config::default()
    }

    #[test]
    fn the_worker_answers_as_the_engine_does() {
        let problem = synthetic::reverse_pool(7, 40, 60, 2);
        let mut state = WorkerState::default();
        assert!(state.handle(Request::Pool(problem.clone())).is_none());
        let mut engine = Engine::new(&problem).unwrap();
        let mut c = config();
        for w in [0.0, 3.5, 10.0] {
            c.weights.0[2] = w;
            let Some(Reply::Preview { seq: 9, outcome: Ok(p) }) = state.handle(Request::Preview { seq: 9, config: c.clone() }) else {
                panic!("a preview reply")
            };
            let mut expected = engine.run(&c).unwrap();
            assert!(expected.pairs.iter().any(|p| p.reasons.len() > 1), "reasons to cut");
            for pair in &mut expected.pairs {
                pair.reasons.truncate(1);
            }
            assert_eq!(p.result, expected, "weight {w}: the engine's result with each pair's strongest reason");
        }
        let formed = engine.run(&c).unwrap();
        let (mentor, mentee) = (problem.mentors[0].id, problem.mentees[0].id);
        let Some(Reply::WhyNot { seq: 4, outcome }) = state.handle(Request::WhyNot { seq: 4, config: c.clone(), mentor, mentee }) else {
            panic!("a why-not reply")
        };
        assert_eq!(outcome, engine.why_not(&c, &formed, mentor, mentee));
    }

    #[test]
    fn pins_come_back_with_their_cost() {
        let problem = synthetic::reverse_pool(3, 20, 30, 1);
        let mut state = WorkerState::default();
        state.handle(Request::Pool(problem.clone()));
        let free = match state.handle(Request::Preview { seq: 1, config: config() }) {
            Some(Reply::Preview { outcome: Ok(p), .. }) => p.result,
            other => panic!("{other:?}"),
        };
        // Pin a mentee to a mentor they were not given: that costs something.
        let pair = free.pairs[0].clone();
        let other_mentor = problem.mentors.iter().map(|m| m.id).find(|m| *m != pair.mentor).unwrap();
        let mut pinned = config();
        pinned.rules.pinned.push((other_mentor, pair.mentee));
        let Some(Reply::Preview { outcome: Ok(p), .. }) = state.handle(Request::Preview { seq: 2, config: pinned.clone() }) else { panic!() };
        assert_eq!(p.pin_costs.len(), 1);
        assert!((p.pin_costs[0].1 - (free.total - p.result.total).max(0.0)).abs() < 1e-9);
        assert!(p.result.pairs.iter().any(|x| x.mentor == other_mentor && x.mentee == pair.mentee && x.pinned));
    }

    #[test]
    fn a_worker_without_a_pool_or_with_a_bad_one_says_so() {
        let mut state = WorkerState::default();
        assert!(matches!(state.handle(Request::Preview { seq: 1, config: config() }), Some(Reply::Preview { outcome: Err(_), .. })));
        let mut problem = synthetic::reverse_pool(1, 5, 5, 1);
        problem.mentors[1].id = problem.mentors[0].id;
        state.handle(Request::Pool(problem));
        let Some(Reply::Preview { outcome: Err(e), .. }) = state.handle(Request::Preview { seq: 2, config: config() }) else { panic!() };
        assert!(matches!(e, MatchError::DuplicateId(_)), "{e}");
    }

    #[test]
    fn the_newest_configuration_replaces_the_ones_waiting() {
        let mut q = Queue::default();
        let with = |w: f64| {
            let mut c = config();
            c.weights.0[0] = w;
            c
        };
        // Before the worker is ready, asking only remembers the newest.
        assert!(q.preview(with(1.0)).is_empty());
        assert!(q.preview(with(2.0)).is_empty());
        let (held, why_seq) = q.why_not(with(2.0), 1, 2);
        assert!(held.is_empty());
        let sent = q.on_ready(|| synthetic::reverse_pool(1, 2, 2, 1));
        assert!(matches!(&sent[0], Request::Pool(_)));
        let Request::Preview { seq: first, config } = &sent[1] else { panic!("{sent:?}") };
        assert_eq!(config.weights.0[0], 2.0);
        assert!(matches!(&sent[2], Request::WhyNot { seq, .. } if *seq == why_seq));
        assert_eq!(sent.len(), 3);
        assert!(q.busy());
        // While one is in flight, three more arrive: only the last is sent, after it.
        for w in [3.0, 4.0, 5.0] {
            assert!(q.preview(with(w)).is_empty());
        }
        let (current, next) = q.on_preview(first + 100);
        assert!(!current && next.is_empty(), "a stray reply is dropped");
        let (current, next) = q.on_preview(*first);
        assert!(current);
        let [Request::Preview { seq: second, config }] = next.as_slice() else { panic!("{next:?}") };
        assert_eq!(config.weights.0[0], 5.0);
        let (current, next) = q.on_preview(*second);
        assert!(current && next.is_empty() && !q.busy());
        // A failed worker is asked nothing more, and nothing waits for it.
        let mut broken = Queue::default();
        broken.on_ready(|| synthetic::reverse_pool(1, 2, 2, 1));
        assert_eq!(broken.preview(with(1.0)).len(), 1);
        assert!(broken.preview(with(2.0)).is_empty() && broken.busy());
        broken.fail();
        assert!(!broken.busy());
        assert!(broken.preview(with(3.0)).is_empty() && !broken.busy());
        assert!(broken.why_not(with(3.0), 1, 2).0.is_empty());
        // Idle: the next one goes at once, and the pool is not sent again.
        assert_eq!(q.preview(with(6.0)).len(), 1);
        assert!(q.on_ready(|| panic!("the pool is sent once")).is_empty());
    }
}
