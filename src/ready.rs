//! Telling systemd that the daemon is ready (`sd_notify`'s `READY=1`), once its signal
//! handlers and its lock are in place. The unit is `Type=notify`: until then systemd
//! counts the service as starting and runs no `ExecReload`, whose SIGHUP would otherwise
//! reach a process that has no handler yet (the kernel's `execve` and the dynamic loader
//! come before any code of closer's, and no program can handle a signal there).
//!
//! Outside systemd (`NOTIFY_SOCKET` unset) this does nothing. A failure is logged, never
//! fatal: systemd then gives up waiting after its start timeout and says so.

/// Sends `READY=1` to `$NOTIFY_SOCKET`, when it is set.
pub fn tell_systemd() {
    let Some(socket) = std::env::var_os("NOTIFY_SOCKET") else {
        return;
    };
    if let Err(e) = send(&socket, "READY=1") {
        tracing::warn!(
            "cannot tell systemd that closer is ready ({} at {}); it will count the start as failed",
            e,
            socket.to_string_lossy()
        );
    }
}

#[cfg(unix)]
fn send(socket: &std::ffi::OsStr, message: &str) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt as _;
    use std::os::unix::net::{SocketAddr, UnixDatagram};
    let bytes = socket.as_bytes();
    let address = match bytes.strip_prefix(b"@") {
        // An abstract socket (Linux): `@` stands for the leading NUL.
        #[cfg(target_os = "linux")]
        Some(name) => {
            use std::os::linux::net::SocketAddrExt as _;
            SocketAddr::from_abstract_name(name)?
        }
        _ => SocketAddr::from_pathname(std::path::Path::new(socket))?,
    };
    UnixDatagram::unbound()?.send_to_addr(message.as_bytes(), &address)?;
    Ok(())
}

#[cfg(not(unix))]
fn send(_socket: &std::ffi::OsStr, _message: &str) -> std::io::Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    #[test]
    fn ready_reaches_a_path_socket() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let server = std::os::unix::net::UnixDatagram::bind(&path).unwrap();
        super::send(path.as_os_str(), "READY=1").unwrap();
        let mut buf = [0u8; 16];
        let n = server.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"READY=1");
    }
}
