// The post step; its bundle and chunks are in cleanup/.
import './cleanup/index.js'
