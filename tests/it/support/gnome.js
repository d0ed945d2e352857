// What a person does on GNOME Shell, for tests/it/support/gnome.rs (run with gjs, on the
// test's session bus):
//   gjs gnome.js picture PATH   a screenshot to PATH (absolute), through org.gnome.Shell.Screenshot
//   gjs gnome.js move X Y       the pointer to X,Y, through mutter's RemoteDesktop API
//   gjs gnome.js click X Y      the same, then a click of the left button there
const {Gio, GLib} = imports.gi;

const bus = Gio.DBus.session;

function call(name, path, iface, method, params, type) {
    return bus.call_sync(name, path, iface, method, params,
        type ? new GLib.VariantType(type) : null, Gio.DBusCallFlags.NONE, 10000, null);
}

const [what, ...args] = ARGV;
if (what === 'picture') {
    // The shell answers only callers that own one of the names it allows.
    call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',
        'RequestName', new GLib.Variant('(su)', ['org.gnome.Screenshot', 4]), '(u)');
    const [ok] = call('org.gnome.Shell.Screenshot', '/org/gnome/Shell/Screenshot',
        'org.gnome.Shell.Screenshot', 'Screenshot',
        new GLib.Variant('(bbs)', [false, false, args[0]]), '(bs)').deep_unpack();
    if (!ok)
        throw new Error('the shell took no screenshot');
} else if (what === 'move' || what === 'click') {
    const [x, y] = args.map(Number);
    const rd = 'org.gnome.Mutter.RemoteDesktop';
    const [path] = call(rd, '/org/gnome/Mutter/RemoteDesktop', rd, 'CreateSession', null,
        '(o)').deep_unpack();
    const session = (method, params) => call(rd, path, `${rd}.Session`, method, params, null);
    session('Start', null);
    // Motion is relative only: first into the bottom right corner (the top left one
    // opens the overview), then from there to X,Y (the screen is 1280x800).
    session('NotifyPointerMotionRelative', new GLib.Variant('(dd)', [10000, 10000]));
    session('NotifyPointerMotionRelative', new GLib.Variant('(dd)', [x - 1279, y - 799]));
    if (what === 'click') {
        const BTN_LEFT = 0x110;
        session('NotifyPointerButton', new GLib.Variant('(ib)', [BTN_LEFT, true]));
        session('NotifyPointerButton', new GLib.Variant('(ib)', [BTN_LEFT, false]));
    }
    session('Stop', null);
} else {
    throw new Error(`unknown command ${what}`);
}
