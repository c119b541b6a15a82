/*-------------------------------------------------------------------------
 *
 * dbrequest.c
 *	  $DB requests from paho.mqtt.c (MQTT 5) for the end-to-end tests.
 *
 * Usage: dbrequest PORT TOPIC PAYLOAD [TOPIC PAYLOAD ...]
 *
 * Connects to 127.0.0.1:PORT with MQTT 5, subscribes to a response topic
 * of its own, and publishes each request at QoS 1 with that Response
 * Topic and Correlation Data "req-N" (N counting from 1), waiting for the
 * PUBACK.  Then it reads one reply per request and prints, per reply:
 *
 *	reply cd=CORRELATION topic=TOPIC qos=Q payload=PAYLOAD
 *
 * The Python test judges the lines; the program fails (exit 2) only when
 * a paho call fails or a reply does not arrive.
 *
 * IDENTIFICATION
 *	  test/e2e/c/dbrequest.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <MQTTClient.h>

#define TIMEOUT_MS 10000L

static void
die(const char *what, int rc)
{
	fprintf(stderr, "dbrequest: %s failed: %d %s\n", what, rc, MQTTClient_strerror(rc));
	exit(2);
}

static void
add_bytes(MQTTProperties *props, enum MQTTPropertyCodes code, const char *s)
{
	MQTTProperty p;

	memset(&p, 0, sizeof(p));
	p.identifier = code;
	p.value.data.data = (char *) s;
	p.value.data.len = (int) strlen(s);
	if (MQTTProperties_add(props, &p) != 0)
		die("MQTTProperties_add", -1);
}

static void
request(MQTTClient c, const char *topic, const char *payload, const char *reply_topic, int n)
{
	MQTTClient_message msg = MQTTClient_message_initializer;
	MQTTProperties props = MQTTProperties_initializer;
	MQTTClient_deliveryToken token;
	MQTTResponse resp;
	char		corr[32];
	int			rc;

	snprintf(corr, sizeof(corr), "req-%d", n);
	add_bytes(&props, MQTTPROPERTY_CODE_RESPONSE_TOPIC, reply_topic);
	add_bytes(&props, MQTTPROPERTY_CODE_CORRELATION_DATA, corr);
	msg.payload = (void *) payload;
	msg.payloadlen = (int) strlen(payload);
	msg.qos = 1;
	msg.properties = props;
	resp = MQTTClient_publishMessage5(c, topic, &msg, &token);
	MQTTProperties_free(&props);
	if (resp.reasonCode != MQTTREASONCODE_SUCCESS)
		die("publishMessage5", resp.reasonCode);
	MQTTResponse_free(resp);
	rc = MQTTClient_waitForCompletion(c, token, TIMEOUT_MS);
	if (rc != MQTTCLIENT_SUCCESS)
		die("waitForCompletion", rc);
}

static void
print_reply(const char *topic, MQTTClient_message *m)
{
	MQTTProperty *cd = MQTTProperties_getProperty(&m->properties,
												  MQTTPROPERTY_CODE_CORRELATION_DATA);

	printf("reply cd=%.*s topic=%s qos=%d payload=%.*s\n",
		   cd ? cd->value.data.len : 0, cd ? cd->value.data.data : "",
		   topic, m->qos, m->payloadlen, (char *) m->payload);
}

int
main(int argc, char **argv)
{
	MQTTClient	c;
	MQTTClient_createOptions copts = MQTTClient_createOptions_initializer;
	MQTTClient_connectOptions opts = MQTTClient_connectOptions_initializer5;
	MQTTResponse resp;
	char		uri[64];
	char		id[64];
	char		reply_topic[128];
	int			n;
	int			i;
	int			rc;

	if (argc < 4 || (argc - 2) % 2 != 0)
	{
		fprintf(stderr, "usage: dbrequest PORT TOPIC PAYLOAD [TOPIC PAYLOAD ...]\n");
		return 2;
	}
	snprintf(uri, sizeof(uri), "tcp://127.0.0.1:%s", argv[1]);
	snprintf(id, sizeof(id), "pahoc-db-%d", (int) getpid());
	snprintf(reply_topic, sizeof(reply_topic), "pahoc/%d/responses", (int) getpid());
	copts.MQTTVersion = MQTTVERSION_5;
	rc = MQTTClient_createWithOptions(&c, uri, id, MQTTCLIENT_PERSISTENCE_NONE, NULL, &copts);
	if (rc != MQTTCLIENT_SUCCESS)
		die("create", rc);
	opts.cleanstart = 1;
	resp = MQTTClient_connect5(c, &opts, NULL, NULL);
	if (resp.reasonCode != MQTTREASONCODE_SUCCESS)
		die("connect5", resp.reasonCode);
	MQTTResponse_free(resp);
	resp = MQTTClient_subscribe5(c, reply_topic, 1, NULL, NULL);
	if (resp.reasonCode != MQTTREASONCODE_GRANTED_QOS_1)
		die("subscribe5", resp.reasonCode);
	MQTTResponse_free(resp);

	n = (argc - 2) / 2;
	for (i = 0; i < n; i++)
		request(c, argv[2 + 2 * i], argv[3 + 2 * i], reply_topic, i + 1);
	for (i = 0; i < n; i++)
	{
		char	   *topic = NULL;
		int			topic_len;
		MQTTClient_message *m = NULL;

		rc = MQTTClient_receive(c, &topic, &topic_len, &m, TIMEOUT_MS);
		if (rc != MQTTCLIENT_SUCCESS && rc != MQTTCLIENT_TOPICNAME_TRUNCATED)
			die("receive", rc);
		if (m == NULL)
			die("receive (no reply)", -1);
		print_reply(topic, m);
		MQTTClient_freeMessage(&m);
		MQTTClient_free(topic);
	}
	MQTTClient_disconnect5(c, 1000, MQTTREASONCODE_SUCCESS, NULL);
	MQTTClient_destroy(&c);
	return 0;
}
