/**
 * A preload (`NODE_OPTIONS=--import=<this file>`) that forbids every way a Node process
 * can reach the network: each attempt is appended as one JSON line to the file named by
 * NO_NETWORK_LOG, then fails. Tests run the bundled action under it and assert the log
 * stayed empty; a negative control proves attempts are caught. Each process that loads
 * the preload appends its pid to NO_NETWORK_LOADED, so a test can tell "no attempt" from
 * "the preload never ran".
 *
 * Patched: net.connect/createConnection and net.Socket#connect (which every TCP or TLS
 * client ends in, even through cached references), tls.connect, http(s).request/get,
 * dns.lookup/resolve (callback and promise forms), and globalThis.fetch.
 */
import { appendFileSync } from 'node:fs'
import dns from 'node:dns'
import http from 'node:http'
import https from 'node:https'
import { syncBuiltinESMExports } from 'node:module'
import net from 'node:net'
import tls from 'node:tls'

const logFile = process.env.NO_NETWORK_LOG

/** Records an attempt and returns the error to throw (or reject with). */
function blocked(api, target) {
  const where = describeTarget(target)
  if (logFile) appendFileSync(logFile, `${JSON.stringify({ api, target: where, pid: process.pid })}\n`)
  const error = new Error(`Network access is forbidden in this test: ${api}(${where})`)
  error.code = 'ENETFORBIDDEN'
  return error
}

function describeTarget(target) {
  if (target === undefined || target === null) return ''
  if (typeof target === 'string' || typeof target === 'number') return String(target)
  if (target instanceof URL) return target.href
  if (typeof target === 'object') {
    if (typeof target.url === 'string') return target.url
    const host = target.host ?? target.hostname ?? target.path ?? ''
    return target.port === undefined ? String(host) : `${host}:${target.port}`
  }
  return typeof target
}

const thrower = api =>
  function forbidden(target) {
    throw blocked(api, target)
  }

net.connect = thrower('net.connect')
net.createConnection = thrower('net.createConnection')
net.Socket.prototype.connect = function forbiddenSocketConnect(target) {
  throw blocked('net.Socket.connect', target)
}
tls.connect = thrower('tls.connect')
http.request = thrower('http.request')
http.get = thrower('http.get')
https.request = thrower('https.request')
https.get = thrower('https.get')
dns.lookup = thrower('dns.lookup')
dns.resolve = thrower('dns.resolve')
dns.promises.lookup = async target => {
  throw blocked('dns.promises.lookup', target)
}
dns.promises.resolve = async target => {
  throw blocked('dns.promises.resolve', target)
}
globalThis.fetch = async input => {
  throw blocked('fetch', input)
}
// ESM named imports (`import { connect } from 'node:tls'`) see the patched functions too.
syncBuiltinESMExports()
if (process.env.NO_NETWORK_LOADED) appendFileSync(process.env.NO_NETWORK_LOADED, `${process.pid}\n`)
