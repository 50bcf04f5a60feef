import { run } from './main.js'

// The entry does nothing else, so that tests can import run() without side effects.
void run()
