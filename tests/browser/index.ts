/** The test page's bundle: kernel programs (harness) and whole training runs (training). */
import './harness.ts';
import './training.ts';
