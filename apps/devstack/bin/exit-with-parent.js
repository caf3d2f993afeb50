// Preloaded into every devstack child (`node --import`). The supervisor starts its children in
// their own process groups, so nothing reaches them when it is killed hard (SIGKILL, the OOM
// killer): this notices the parent is gone and stops the child as the supervisor would have, with
// one SIGTERM (a second would make the node exit at once instead of cleanly). Plain JavaScript:
// it runs before the child registers tsx.
const parent = process.ppid;
const POLL_MS = 1000;

const poll = setInterval(() => {
  try {
    process.kill(parent, 0);
  } catch (error) {
    // Only ESRCH means it is gone (EPERM: a process of that id exists).
    if (error?.code !== 'ESRCH') return;
    clearInterval(poll);
    process.kill(process.pid, 'SIGTERM');
  }
}, POLL_MS);
// Never the reason a child stays alive.
poll.unref();
