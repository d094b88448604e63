/*
 * lwm2m/objects.c: the built-in definitions of the OMA core objects and the
 * three IPSO sensors lwm2md meets most, so the daemon knows their types even
 * with no model folder configured. Written here from the specification's
 * facts (ids, names, types, operations, instance rules, ranges, units); the
 * descriptions are our own short summaries.
 *
 * One version per object: the newest the OMA registry lists, which is what
 * current LwM2M 1.1 and 1.2 clients report:
 *     0 Security 1.2 (LwM2M 1.1)       1 Server 1.2 (LwM2M 1.2)
 *     2 Access Control 1.1             3 Device 1.2 (LwM2M 1.1)
 *     4 Connectivity Monitoring 1.3    5 Firmware Update 1.2 (LwM2M 1.1)
 *     6 Location 1.0                   7 Connectivity Statistics 1.0
 *     9 Software Management 1.0        21 OSCORE 2.0 (LwM2M 1.1)
 *     3303 Temperature 1.1             3304 Humidity 1.1
 *     3313 Accelerometer 1.1
 * Older versions (Security 1.0, Device 1.0, ...) come from DDF files when a
 * deployment needs them; a DDF file with the same id and version replaces
 * the built-in one. tests/unit/test_model.c checks every definition here
 * against the registry's file of the same version.
 *
 * Names follow the registry, with runs of white space folded to one space
 * as the DDF loader does. The Security and OSCORE resources have no
 * operations: only bootstrap may touch them.
 */
#include "lwm2m/model_int.h"

#include "lwm2m/error.h"
#include "lwm2m/records.h"

#define SINGLE 0
#define MULTI 1
#define OPT 0
#define MAND 1

#define RES(id_, name_, type_, ops_, multiple_, mandatory_, range_, units_, desc_)            \
	{                                                                                      \
		.id = (id_), .type = LW_TYPE_##type_, .ops = LW_OPS_##ops_,                    \
		.multiple = (multiple_), .mandatory = (mandatory_), .name = (name_),           \
		.range = (range_), .units = (units_), .description = (desc_)                   \
	}

#define OBJ(id_, name_, version_, lwm2m_version_, multiple_, mandatory_, urn_, res_, desc_)   \
	{                                                                                      \
		.id = (id_), .multiple = (multiple_), .mandatory = (mandatory_),               \
		.name = (name_), .version = (version_), .lwm2m_version = (lwm2m_version_),     \
		.urn = (urn_), .description = (desc_),                                         \
		.n_resources = sizeof(res_) / sizeof((res_)[0]), .resources = (res_),          \
		.source = "built-in"                                                           \
	}

static const struct lw_resource_def security_res[] = {
	RES(0, "LWM2M Server URI", STRING, NONE, SINGLE, MAND, "0..255", "",
	    "URI of the LwM2M Server or Bootstrap-Server (coap://, coaps://, ...)."),
	RES(1, "Bootstrap-Server", BOOLEAN, NONE, SINGLE, MAND, "", "",
	    "True when this instance is the Bootstrap-Server's account."),
	RES(2, "Security Mode", INTEGER, NONE, SINGLE, MAND, "0..4", "",
	    "0 PSK, 1 raw public key, 2 certificate, 3 NoSec, 4 certificate with EST."),
	RES(3, "Public Key or Identity", OPAQUE, NONE, SINGLE, MAND, "", "",
	    "Client's certificate, raw public key or PSK identity."),
	RES(4, "Server Public Key", OPAQUE, NONE, SINGLE, MAND, "", "",
	    "Server's certificate, raw public key or trust anchor."),
	RES(5, "Secret Key", OPAQUE, NONE, SINGLE, MAND, "", "",
	    "Client's pre-shared or private key."),
	RES(6, "SMS Security Mode", INTEGER, NONE, SINGLE, OPT, "0..255", "",
	    "Security of the SMS binding (1 DTLS, 2 secure packet, 3 NoSec, ...)."),
	RES(7, "SMS Binding Key Parameters", OPAQUE, NONE, SINGLE, OPT, "6", "",
	    "KIc, KID, SPI and TAR of the SMS binding."),
	RES(8, "SMS Binding Secret Key(s)", OPAQUE, NONE, SINGLE, OPT, "16,32,48", "",
	    "Key material of the SMS binding."),
	RES(9, "LwM2M Server SMS Number", STRING, NONE, SINGLE, OPT, "", "",
	    "MSISDN the client sends its SMS to."),
	RES(10, "Short Server ID", INTEGER, NONE, SINGLE, OPT, "1..65534", "",
	    "Short id of the server; ties this account to a Server object instance."),
	RES(11, "Client Hold Off Time", INTEGER, NONE, SINGLE, OPT, "", "s",
	    "Seconds to wait before a client-initiated bootstrap."),
	RES(12, "Bootstrap-Server Account Timeout", INTEGER, NONE, SINGLE, OPT, "", "s",
	    "Seconds after which the client drops this bootstrap account; 0 keeps it."),
	RES(13, "Matching Type", UNSIGNED, NONE, SINGLE, OPT, "0..3", "",
	    "How Server Public Key is matched: 0 exact, 1 SHA-256, 2 SHA-384, 3 SHA-512."),
	RES(14, "SNI", STRING, NONE, SINGLE, OPT, "", "",
	    "Server Name Indication sent in the (D)TLS handshake."),
	RES(15, "Certificate Usage", UNSIGNED, NONE, SINGLE, OPT, "0..3", "",
	    "Role of the server certificate, as in DANE (0 CA constraint .. 3 domain-issued)."),
	RES(16, "DTLS/TLS Ciphersuite", UNSIGNED, NONE, MULTI, OPT, "", "",
	    "Cipher suites (IANA numbers) the client proposes."),
	RES(17, "OSCORE Security Mode", OBJLNK, NONE, SINGLE, OPT, "", "",
	    "Link to the OSCORE object instance to use with this server."),
	RES(18, "Groups To Use by Client", UNSIGNED, NONE, MULTI, OPT, "0..65535", "",
	    "Key exchange groups the client uses, most preferred first."),
	RES(19, "Signature Algorithms Supported by Server", UNSIGNED, NONE, MULTI, OPT,
	    "0..65535", "",
	    "Signature algorithms (RFC 8446 codes) the server supports."),
	RES(20, "Signature Algorithms To Use by Client", UNSIGNED, NONE, MULTI, OPT,
	    "0..65535", "",
	    "Signature algorithms the client uses, most preferred first."),
	RES(21, "Signature Algorithm Certs Supported by Server", UNSIGNED, NONE, MULTI, OPT,
	    "0..65535", "",
	    "Certificate signature algorithms the server supports."),
	RES(22, "TLS 1.3 Features To Use by Client", UNSIGNED, NONE, SINGLE, OPT, "0..65535", "",
	    "Bitmap of TLS 1.3 features the client uses."),
	RES(23, "TLS Extensions Supported by Server", UNSIGNED, NONE, SINGLE, OPT, "0..65535", "",
	    "Bitmap of TLS extensions the server supports."),
	RES(24, "TLS Extensions To Use by Client", UNSIGNED, NONE, SINGLE, OPT, "0..65535", "",
	    "Bitmap of TLS extensions the client uses."),
	RES(25, "Secondary LwM2M Server URI", STRING, NONE, MULTI, OPT, "0..255", "",
	    "More URIs of the same server, sharing this security data."),
	RES(26, "MQTT Server", OBJLNK, NONE, SINGLE, OPT, "", "",
	    "Link to an MQTT Server object instance, for MQTT URIs."),
	RES(27, "LwM2M COSE Security", OBJLNK, NONE, MULTI, OPT, "", "",
	    "Links to LwM2M COSE object instances."),
	RES(28, "RDS Destination Port", INTEGER, NONE, SINGLE, OPT, "0..15", "",
	    "3GPP RDS destination port for the Non-IP binding."),
	RES(29, "RDS Source Port", INTEGER, NONE, SINGLE, OPT, "0..15", "",
	    "3GPP RDS source port for the Non-IP binding."),
	RES(30, "RDS Application ID", STRING, NONE, SINGLE, OPT, "", "",
	    "3GPP RDS application id used to find the ports."),
};

static const struct lw_resource_def server_res[] = {
	RES(0, "Short Server ID", INTEGER, R, SINGLE, MAND, "1..65534", "",
	    "The server's short id, shared with its Security object instance."),
	RES(1, "Lifetime", INTEGER, RW, SINGLE, MAND, "", "s",
	    "Registration lifetime in seconds; 0 means it never expires."),
	RES(2, "Default Minimum Period", INTEGER, RW, SINGLE, OPT, "", "s",
	    "pmin of an observation that gives none."),
	RES(3, "Default Maximum Period", INTEGER, RW, SINGLE, OPT, "", "s",
	    "pmax of an observation that gives none."),
	RES(4, "Disable", NONE, E, SINGLE, OPT, "", "",
	    "Deregisters and disables this server for Disable Timeout seconds."),
	RES(5, "Disable Timeout", INTEGER, RW, SINGLE, OPT, "", "s",
	    "How long Disable lasts, in seconds (a day when unset)."),
	RES(6, "Notification Storing When Disabled or Offline", BOOLEAN, RW, SINGLE, MAND, "", "",
	    "Whether notifications are kept while the server is disabled or unreachable."),
	RES(7, "Binding", STRING, RW, SINGLE, MAND, "", "",
	    "Binding letters the client uses with this server."),
	RES(8, "Registration Update Trigger", NONE, E, SINGLE, MAND, "", "",
	    "Makes the client send a registration Update now."),
	RES(9, "Bootstrap-Request Trigger", NONE, E, SINGLE, OPT, "", "",
	    "Makes the client start a client-initiated bootstrap."),
	RES(10, "APN Link", OBJLNK, RW, SINGLE, OPT, "", "",
	    "Link to the APN connection profile for this server."),
	RES(11, "TLS-DTLS Alert Code", UNSIGNED, R, SINGLE, OPT, "0..255", "",
	    "Last (D)TLS alert received from this server."),
	RES(12, "Last Bootstrapped", TIME, R, SINGLE, OPT, "", "",
	    "When the Bootstrap-Server last updated this account."),
	RES(13, "Registration Priority Order", UNSIGNED, R, SINGLE, OPT, "", "",
	    "Rank of this server in the registration order, lowest first."),
	RES(14, "Initial Registration Delay Timer", UNSIGNED, RW, SINGLE, OPT, "", "s",
	    "Seconds to wait after the previous server in the order registered."),
	RES(15, "Registration Failure Block", BOOLEAN, R, SINGLE, OPT, "", "",
	    "Whether a failed registration here stops the registrations after it."),
	RES(16, "Bootstrap on Registration Failure", BOOLEAN, R, SINGLE, OPT, "", "",
	    "Whether a failed registration here makes the client bootstrap again."),
	RES(17, "Communication Retry Count", UNSIGNED, RW, SINGLE, OPT, "", "",
	    "Attempts in one communication sequence."),
	RES(18, "Communication Retry Timer", UNSIGNED, RW, SINGLE, OPT, "", "s",
	    "Delay before the first retry, doubled on each further retry."),
	RES(19, "Communication Sequence Delay Timer", UNSIGNED, RW, SINGLE, OPT, "", "s",
	    "Delay between two communication sequences."),
	RES(20, "Communication Sequence Retry Count", UNSIGNED, RW, SINGLE, OPT, "", "",
	    "Sequences after which the registration has failed."),
	RES(21, "Trigger", BOOLEAN, RW, SINGLE, OPT, "", "",
	    "Whether the client can be woken up by SMS."),
	RES(22, "Preferred Transport", STRING, RW, SINGLE, OPT,
	    "one binding letter (U, M, H, T, S, N)", "",
	    "Transport the client should prefer when it has several."),
	RES(23, "Mute Send", BOOLEAN, RW, SINGLE, OPT, "", "",
	    "True turns the Send operation towards this server off."),
	RES(24, "Alternate APN Links", OBJLNK, RW, MULTI, OPT, "", "",
	    "Fallback APN profiles for this server."),
	RES(25, "Supported Server Versions", STRING, RW, MULTI, OPT, "", "",
	    "LwM2M versions the server supports, as strings like 1.1."),
	RES(26, "Default Notification Mode", INTEGER, RW, SINGLE, OPT, "0..1", "",
	    "0: notifications non-confirmable by default; 1: confirmable."),
	RES(27, "Profile ID Hash Algorithm", UNSIGNED, RW, SINGLE, OPT, "0..255", "",
	    "Hash algorithm the server prefers for generated Profile IDs."),
};

static const struct lw_resource_def access_control_res[] = {
	RES(0, "Object ID", INTEGER, R, SINGLE, MAND, "1..65534", "",
	    "Object of the instance this entry governs."),
	RES(1, "Object Instance ID", INTEGER, R, SINGLE, MAND, "0..65535", "",
	    "Instance this entry governs (65535: the object itself, for Create)."),
	RES(2, "ACL", INTEGER, RW, MULTI, OPT, "0..31", "",
	    "Rights per server, keyed by Short Server ID: bits Read, Write, Execute, Delete, "
	    "Create."),
	RES(3, "Access Control Owner", INTEGER, RW, SINGLE, MAND, "0..65535", "",
	    "Short Server ID of the server that manages this entry."),
};

static const struct lw_resource_def device_res[] = {
	RES(0, "Manufacturer", STRING, R, SINGLE, OPT, "", "",
	    "Manufacturer's name."),
	RES(1, "Model Number", STRING, R, SINGLE, OPT, "", "",
	    "Model identifier."),
	RES(2, "Serial Number", STRING, R, SINGLE, OPT, "", "",
	    "Serial number."),
	RES(3, "Firmware Version", STRING, R, SINGLE, OPT, "", "",
	    "Current firmware version."),
	RES(4, "Reboot", NONE, E, SINGLE, MAND, "", "",
	    "Reboots the device."),
	RES(5, "Factory Reset", NONE, E, SINGLE, OPT, "", "",
	    "Restores factory settings; the device bootstraps again."),
	RES(6, "Available Power Sources", INTEGER, R, MULTI, OPT, "0..7", "",
	    "0 DC, 1 internal battery, 2 external battery, 3 fuel cell, 4 PoE, 5 USB, 6 AC "
	    "mains, 7 solar."),
	RES(7, "Power Source Voltage", INTEGER, R, MULTI, OPT, "", "",
	    "Voltage of each power source, in mV."),
	RES(8, "Power Source Current", INTEGER, R, MULTI, OPT, "", "",
	    "Current of each power source, in mA."),
	RES(9, "Battery Level", INTEGER, R, SINGLE, OPT, "0..100", "/100",
	    "Charge of the internal battery, in percent."),
	RES(10, "Memory Free", INTEGER, R, SINGLE, OPT, "", "",
	    "Free storage, in kilobytes (1000 bytes)."),
	RES(11, "Error Code", INTEGER, R, MULTI, MAND, "0..32", "",
	    "Active error codes (0 none, 1 low battery, 2 external power off, ...)."),
	RES(12, "Reset Error Code", NONE, E, SINGLE, OPT, "", "",
	    "Clears the error codes."),
	RES(13, "Current Time", TIME, RW, SINGLE, OPT, "", "",
	    "Device clock, as Unix time."),
	RES(14, "UTC Offset", STRING, RW, SINGLE, OPT, "", "",
	    "UTC offset in effect, like UTC+X (ISO 8601)."),
	RES(15, "Timezone", STRING, RW, SINGLE, OPT, "", "",
	    "Time zone, as an IANA tz database name."),
	RES(16, "Supported Binding and Modes", STRING, R, SINGLE, MAND, "", "",
	    "Binding and mode letters the client supports."),
	RES(17, "Device Type", STRING, R, SINGLE, OPT, "", "",
	    "Kind of device."),
	RES(18, "Hardware Version", STRING, R, SINGLE, OPT, "", "",
	    "Hardware version."),
	RES(19, "Software Version", STRING, R, SINGLE, OPT, "", "",
	    "Version of the software above the firmware."),
	RES(20, "Battery Status", INTEGER, R, SINGLE, OPT, "0..6", "",
	    "0 normal, 1 charging, 2 charged, 3 damaged, 4 low, 5 not installed, 6 unknown."),
	RES(21, "Memory Total", INTEGER, R, SINGLE, OPT, "", "",
	    "Total storage, in kilobytes."),
	RES(22, "ExtDevInfo", OBJLNK, R, MULTI, OPT, "", "",
	    "Links to Device object instances of attached or host devices."),
};

static const struct lw_resource_def conn_monitoring_res[] = {
	RES(0, "Network Bearer", INTEGER, R, SINGLE, MAND, "0..50", "",
	    "Bearer in use: 0-20 cellular, 21-40 wireless, 41-50 wireline."),
	RES(1, "Available Network Bearer", INTEGER, R, MULTI, MAND, "0..50", "",
	    "Bearers currently available."),
	RES(2, "Radio Signal Strength", INTEGER, R, SINGLE, MAND, "", "dBm",
	    "Average received signal strength on the bearer in use."),
	RES(3, "Link Quality", INTEGER, R, SINGLE, OPT, "", "",
	    "Bearer-specific link quality (LQI, RxQual, ...)."),
	RES(4, "IP Addresses", STRING, R, MULTI, MAND, "", "",
	    "IP addresses of the interface."),
	RES(5, "Router IP Addresses", STRING, R, MULTI, OPT, "", "",
	    "Next-hop router address of each interface."),
	RES(6, "Link Utilization", INTEGER, R, SINGLE, OPT, "0..100", "/100",
	    "Average use of the link to the next hop, in percent."),
	RES(7, "APN", STRING, R, MULTI, OPT, "", "",
	    "Access point names in use on a cellular bearer."),
	RES(8, "Cell ID", INTEGER, R, SINGLE, OPT, "", "",
	    "Serving cell id on a cellular bearer."),
	RES(9, "SMNC", INTEGER, R, SINGLE, OPT, "0..999", "",
	    "Serving mobile network code."),
	RES(10, "SMCC", INTEGER, R, SINGLE, OPT, "0..999", "",
	    "Serving mobile country code."),
	RES(11, "SignalSNR", INTEGER, R, SINGLE, OPT, "", "dB",
	    "Signal to interference plus noise ratio."),
	RES(12, "LAC", INTEGER, R, SINGLE, OPT, "", "",
	    "Location area code on a cellular bearer."),
	RES(13, "Coverage Enhancement Level", INTEGER, R, SINGLE, OPT, "0..4", "",
	    "3GPP coverage enhancement level in the serving cell."),
};

static const struct lw_resource_def firmware_res[] = {
	RES(0, "Package", OPAQUE, W, SINGLE, MAND, "", "",
	    "Firmware image the server writes (push)."),
	RES(1, "Package URI", STRING, RW, SINGLE, MAND, "0..255", "",
	    "URI the device downloads the image from (pull); writing it empty cancels."),
	RES(2, "Update", NONE, E, SINGLE, MAND, "", "",
	    "Installs the downloaded image."),
	RES(3, "State", INTEGER, R, SINGLE, MAND, "0..3", "",
	    "0 idle, 1 downloading, 2 downloaded, 3 updating."),
	RES(5, "Update Result", INTEGER, R, SINGLE, MAND, "0..11", "",
	    "Outcome of the last download or update: 0 initial, 1 success, 2 and up the "
	    "failure cause."),
	RES(6, "PkgName", STRING, R, SINGLE, OPT, "0..255", "",
	    "Name of the firmware package."),
	RES(7, "PkgVersion", STRING, R, SINGLE, OPT, "0..255", "",
	    "Version of the firmware package."),
	RES(8, "Firmware Update Protocol Support", INTEGER, R, MULTI, OPT, "0..5", "",
	    "Download protocols: 0 CoAP, 1 CoAPS, 2 HTTP, 3 HTTPS, 4 CoAP over TCP, 5 CoAP "
	    "over TLS."),
	RES(9, "Firmware Update Delivery Method", INTEGER, R, SINGLE, MAND, "0..2", "",
	    "0 pull only, 1 push only, 2 both."),
	RES(10, "Cancel", NONE, E, SINGLE, OPT, "", "",
	    "Cancels an update that has not started installing."),
	RES(11, "Severity", INTEGER, RW, SINGLE, OPT, "0..2", "",
	    "0 critical, 1 mandatory, 2 optional."),
	RES(12, "Last State Change Time", TIME, R, SINGLE, OPT, "", "",
	    "When State last changed."),
	RES(13, "Maximum Defer Period", UNSIGNED, RW, SINGLE, OPT, "", "s",
	    "Seconds a user may put the update off."),
	RES(14, "Automatic Upgrade at Download", BOOLEAN, RW, SINGLE, OPT, "", "",
	    "Whether the update starts by itself once the image is downloaded."),
};

static const struct lw_resource_def location_res[] = {
	RES(0, "Latitude", FLOAT, R, SINGLE, MAND, "", "lat",
	    "Latitude in decimal degrees (WGS 84)."),
	RES(1, "Longitude", FLOAT, R, SINGLE, MAND, "", "lon",
	    "Longitude in decimal degrees (WGS 84)."),
	RES(2, "Altitude", FLOAT, R, SINGLE, OPT, "", "m",
	    "Height above sea level."),
	RES(3, "Radius", FLOAT, R, SINGLE, OPT, "", "m",
	    "Radius of the circle of uncertainty around the position."),
	RES(4, "Velocity", OPAQUE, R, SINGLE, OPT, "", "",
	    "Velocity, encoded as in 3GPP TS 23.032."),
	RES(5, "Timestamp", TIME, R, SINGLE, MAND, "", "",
	    "When the position was measured."),
	RES(6, "Speed", FLOAT, R, SINGLE, OPT, "", "m/s",
	    "Scalar speed."),
};

static const struct lw_resource_def conn_stats_res[] = {
	RES(0, "SMS Tx Counter", INTEGER, R, SINGLE, OPT, "", "",
	    "SMS sent in the collection period."),
	RES(1, "SMS Rx Counter", INTEGER, R, SINGLE, OPT, "", "",
	    "SMS received in the collection period."),
	RES(2, "Tx Data", INTEGER, R, SINGLE, OPT, "", "",
	    "Kilobytes sent in the collection period."),
	RES(3, "Rx Data", INTEGER, R, SINGLE, OPT, "", "",
	    "Kilobytes received in the collection period."),
	RES(4, "Max Message Size", INTEGER, R, SINGLE, OPT, "", "B",
	    "Largest IP message in the collection period."),
	RES(5, "Average Message Size", INTEGER, R, SINGLE, OPT, "", "B",
	    "Mean IP message size in the collection period."),
	RES(6, "Start", NONE, E, SINGLE, MAND, "", "",
	    "Zeroes the counters and starts collecting."),
	RES(7, "Stop", NONE, E, SINGLE, MAND, "", "",
	    "Stops collecting, keeping the counters."),
	RES(8, "Collection Period", INTEGER, RW, SINGLE, OPT, "", "s",
	    "Length of a collection in seconds; 0 runs until Stop."),
};

static const struct lw_resource_def software_res[] = {
	RES(0, "PkgName", STRING, R, SINGLE, MAND, "0..255 bytes", "",
	    "Name of the software package."),
	RES(1, "PkgVersion", STRING, R, SINGLE, MAND, "0..255 bytes", "",
	    "Version of the software package."),
	RES(2, "Package", OPAQUE, W, SINGLE, OPT, "", "",
	    "Software package the server writes (push)."),
	RES(3, "Package URI", STRING, W, SINGLE, OPT, "0..255 bytes", "",
	    "URI the device downloads the package from (pull)."),
	RES(4, "Install", NONE, E, SINGLE, MAND, "", "",
	    "Installs the delivered package."),
	RES(5, "Checkpoint", OBJLNK, R, SINGLE, OPT, "", "",
	    "Link to an object holding the update's preconditions."),
	RES(6, "Uninstall", NONE, E, SINGLE, MAND, "", "",
	    "Removes the package (argument 1: only to make room for an update)."),
	RES(7, "Update State", INTEGER, R, SINGLE, MAND, "0..4", "",
	    "0 initial, 1 download started, 2 downloaded, 3 delivered, 4 installed."),
	RES(8, "Update Supported Objects", BOOLEAN, RW, SINGLE, OPT, "", "",
	    "Whether the client tells its servers when the update changed its objects."),
	RES(9, "Update Result", INTEGER, R, SINGLE, MAND, "0..200", "",
	    "Outcome of the last operation: 0 to 3 progress or success, 50 and up the failure "
	    "cause."),
	RES(10, "Activate", NONE, E, SINGLE, MAND, "", "",
	    "Activates the installed software."),
	RES(11, "Deactivate", NONE, E, SINGLE, MAND, "", "",
	    "Deactivates the installed software."),
	RES(12, "Activation State", BOOLEAN, R, SINGLE, MAND, "", "",
	    "Whether the software is active."),
	RES(13, "Package Settings", OBJLNK, RW, SINGLE, OPT, "", "",
	    "Link to an object holding the software's settings."),
	RES(14, "User Name", STRING, W, SINGLE, OPT, "0..255 bytes", "",
	    "User name for fetching the package."),
	RES(15, "Password", STRING, W, SINGLE, OPT, "0..255 bytes", "",
	    "Password for fetching the package."),
	RES(16, "Status Reason", STRING, R, SINGLE, OPT, "", "",
	    "Status text of the actions on the package's components."),
	RES(17, "Software Component Link", OBJLNK, R, MULTI, OPT, "", "",
	    "Links to the software components this package installed."),
	RES(18, "Software Component tree length", INTEGER, R, SINGLE, OPT, "0..255", "",
	    "Number of component instances of this package."),
};

static const struct lw_resource_def oscore_res[] = {
	RES(0, "OSCORE Master Secret", OPAQUE, NONE, SINGLE, MAND, "", "",
	    "Pre-shared master secret."),
	RES(1, "OSCORE Sender ID", OPAQUE, NONE, SINGLE, MAND, "", "",
	    "The client's sender id."),
	RES(2, "OSCORE Recipient ID", OPAQUE, NONE, SINGLE, MAND, "", "",
	    "The client's recipient id."),
	RES(3, "OSCORE AEAD Algorithm", INTEGER, NONE, SINGLE, OPT, "", "",
	    "AEAD algorithm, as a COSE number (AES-CCM-16-64-128 when unset)."),
	RES(4, "OSCORE HMAC Algorithm", INTEGER, NONE, SINGLE, OPT, "", "",
	    "HKDF hash algorithm, as a COSE number (HMAC SHA-256 when unset)."),
	RES(5, "OSCORE Master Salt", OPAQUE, NONE, SINGLE, OPT, "", "",
	    "Non-secret salt for key derivation."),
	RES(6, "OSCORE ID Context", OPAQUE, NONE, SINGLE, OPT, "", "",
	    "Id context for key derivation."),
};

/*
 * The resources that the IPSO sensor objects (3303, 3304, 3313) define alike,
 * each stated once here so that the objects cannot drift apart.
 */
#define IPSO_TIMESTAMP                                                                         \
	RES(5518, "Timestamp", TIME, R, SINGLE, OPT, "", "", "When the value was measured.")
#define IPSO_MIN_MEASURED                                                                      \
	RES(5601, "Min Measured Value", FLOAT, R, SINGLE, OPT, "", "",                         \
	    "Lowest value measured since power-on or the last reset.")
#define IPSO_MAX_MEASURED                                                                      \
	RES(5602, "Max Measured Value", FLOAT, R, SINGLE, OPT, "", "",                         \
	    "Highest value measured since power-on or the last reset.")
#define IPSO_MIN_RANGE                                                                         \
	RES(5603, "Min Range Value", FLOAT, R, SINGLE, OPT, "", "",                            \
	    "Lowest value the sensor can measure.")
#define IPSO_MAX_RANGE                                                                         \
	RES(5604, "Max Range Value", FLOAT, R, SINGLE, OPT, "", "",                            \
	    "Highest value the sensor can measure.")
#define IPSO_RESET_MIN_MAX                                                                     \
	RES(5605, "Reset Min and Max Measured Values", NONE, E, SINGLE, OPT, "", "",           \
	    "Sets the minimum and maximum measured values to the current value.")
#define IPSO_SENSOR_VALUE                                                                      \
	RES(5700, "Sensor Value", FLOAT, R, SINGLE, MAND, "", "", "Latest measured value.")
#define IPSO_SENSOR_UNITS                                                                      \
	RES(5701, "Sensor Units", STRING, R, SINGLE, OPT, "", "", "Units of the measured values.")
#define IPSO_APPLICATION_TYPE                                                                  \
	RES(5750, "Application Type", STRING, RW, SINGLE, OPT, "", "",                         \
	    "What the sensor is used for, free text.")
/* The smart-sensor quality resources that close every IPSO sensor object. */
#define IPSO_QUALITY                                                                           \
	RES(6042, "Measurement Quality Indicator", INTEGER, R, SINGLE, OPT, "0..23", "",       \
	    "Smart sensor's verdict on the value (0 unchecked, 1 rejected for certain, ...)."), \
	RES(6049, "Measurement Quality Level", INTEGER, R, SINGLE, OPT, "0..100", "",          \
	    "Smart sensor's quality score, 100 meaning every check passed."),                  \
	RES(6050, "Fractional Timestamp", FLOAT, R, SINGLE, OPT, "0..1", "s",                  \
	    "Sub-second part of the timestamp.")

/*
 * Temperature (3303) and Humidity (3304) are the same measured-value sensor
 * and differ only in their unit: one table serves both.
 */
static const struct lw_resource_def measured_sensor_res[] = {
	IPSO_TIMESTAMP,
	IPSO_MIN_MEASURED,
	IPSO_MAX_MEASURED,
	IPSO_MIN_RANGE,
	IPSO_MAX_RANGE,
	IPSO_RESET_MIN_MAX,
	IPSO_SENSOR_VALUE,
	IPSO_SENSOR_UNITS,
	IPSO_APPLICATION_TYPE,
	IPSO_QUALITY,
};

static const struct lw_resource_def accelerometer_res[] = {
	IPSO_TIMESTAMP,
	IPSO_MIN_RANGE,
	IPSO_MAX_RANGE,
	IPSO_SENSOR_UNITS,
	RES(5702, "X Value", FLOAT, R, SINGLE, MAND, "", "",
	    "Acceleration along the X axis."),
	RES(5703, "Y Value", FLOAT, R, SINGLE, OPT, "", "",
	    "Acceleration along the Y axis."),
	RES(5704, "Z Value", FLOAT, R, SINGLE, OPT, "", "",
	    "Acceleration along the Z axis."),
	IPSO_APPLICATION_TYPE,
	IPSO_QUALITY,
};

static const struct lw_object_def builtin[] = {
	OBJ(0, "LWM2M Security", "1.2", "1.1", MULTI, MAND,
	    "urn:oma:lwm2m:oma:0:1.2", security_res,
	    "Keys and server addresses the client uses to reach each LwM2M Server and the "
	    "Bootstrap-Server. Only bootstrap writes it; no Device Management server can read "
	    "it."),
	OBJ(1, "LwM2M Server", "1.2", "1.2", MULTI, MAND,
	    "urn:oma:lwm2m:oma:1:1.2", server_res,
	    "Settings of the client's account with one LwM2M Server: lifetime, binding, "
	    "default observation periods, triggers."),
	OBJ(2, "LwM2M Access Control", "1.1", "1.0", MULTI, OPT,
	    "urn:oma:lwm2m:oma:2:1.1", access_control_res,
	    "Which server may perform which operation on which object instance."),
	OBJ(3, "Device", "1.2", "1.1", SINGLE, MAND,
	    "urn:oma:lwm2m:oma:3:1.2", device_res,
	    "Identity, power, clock and error state of the device, with reboot and factory "
	    "reset."),
	OBJ(4, "Connectivity Monitoring", "1.3", "1.1", SINGLE, OPT,
	    "urn:oma:lwm2m:oma:4:1.3", conn_monitoring_res,
	    "State of the network link: bearer, signal, IP addresses, cell."),
	OBJ(5, "Firmware Update", "1.2", "1.1", SINGLE, OPT,
	    "urn:oma:lwm2m:oma:5:1.2", firmware_res,
	    "Firmware download and update state machine (push through Package or pull through "
	    "Package URI)."),
	OBJ(6, "Location", "1.0", "1.0", SINGLE, OPT,
	    "urn:oma:lwm2m:oma:6", location_res,
	    "Position, altitude and speed of the device."),
	OBJ(7, "Connectivity Statistics", "1.0", "1.0", SINGLE, OPT,
	    "urn:oma:lwm2m:oma:7", conn_stats_res,
	    "Traffic counters over a collection period the server starts and stops."),
	OBJ(9, "LWM2M Software Management", "1.0", "1.0", MULTI, OPT,
	    "urn:oma:lwm2m:oma:9", software_res,
	    "Install, activate and remove one software package per instance."),
	OBJ(21, "LWM2M OSCORE", "2.0", "1.1", MULTI, OPT,
	    "urn:oma:lwm2m:oma:21:2.0", oscore_res,
	    "OSCORE security context the client uses with one server."),
	OBJ(3303, "Temperature", "1.1", "1.0", MULTI, OPT,
	    "urn:oma:lwm2m:ext:3303:1.1", measured_sensor_res,
	    "Temperature sensor with minimum/maximum tracking (unit usually Cel)."),
	OBJ(3304, "Humidity", "1.1", "1.0", MULTI, OPT,
	    "urn:oma:lwm2m:ext:3304:1.1", measured_sensor_res,
	    "Relative humidity sensor with minimum/maximum tracking (unit usually %RH)."),
	OBJ(3313, "Accelerometer", "1.1", "1.0", MULTI, OPT,
	    "urn:oma:lwm2m:ext:3313:1.1", accelerometer_res,
	    "Accelerometer with one to three axes."),
};

int lw_model_add_builtin(lw_model *m)
{
	for (size_t i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++) {
		/* free_fn NULL: the model never frees or writes a static definition. */
		int rc = lw_model_add(m, (struct lw_object_def *)&builtin[i], NULL);
		if (rc < 0)
			return rc;
	}
	return 0;
}
