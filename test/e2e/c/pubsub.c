/*-------------------------------------------------------------------------
 *
 * pubsub.c
 *	  A paho.mqtt.c round trip for the end-to-end tests.
 *
 * Usage: pubsub PORT TOPIC VERSION   (VERSION 3 for MQTT 3.1.1, 5 for 5.0)
 *
 * A subscriber at QoS 2 and a publisher connect to 127.0.0.1:PORT; the
 * publisher sends "qos0", "qos1" and "qos2" at those QoS levels (in v5 with
 * payload format, content type, response topic, correlation data, message
 * expiry and two user properties), waiting for each QoS 1/2 flow to
 * complete.  For every message received the subscriber prints one line:
 *
 *	msg topic=T qos=Q payload=P [pfi=N ct=S rt=S cd=S exp=N up=K:V,K:V]
 *
 * The Python test judges these lines; the program itself only fails
 * (exit 2) when a paho call fails or a message does not arrive.
 *
 * IDENTIFICATION
 *	  test/e2e/c/pubsub.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <MQTTClient.h>

#define TIMEOUT_MS 5000L

static int	version;

static void
die(const char *what, int rc)
{
	fprintf(stderr, "pubsub: %s failed: %d %s\n", what, rc, MQTTClient_strerror(rc));
	exit(2);
}

static MQTTClient
open_client(const char *uri, const char *role)
{
	MQTTClient	c;
	MQTTClient_createOptions copts = MQTTClient_createOptions_initializer;
	char		id[64];
	int			rc;

	snprintf(id, sizeof(id), "pahoc-%s-%d", role, (int) getpid());
	copts.MQTTVersion = version == 5 ? MQTTVERSION_5 : MQTTVERSION_3_1_1;
	rc = MQTTClient_createWithOptions(&c, uri, id, MQTTCLIENT_PERSISTENCE_NONE, NULL, &copts);
	if (rc != MQTTCLIENT_SUCCESS)
		die("create", rc);

	if (version == 5)
	{
		MQTTClient_connectOptions opts = MQTTClient_connectOptions_initializer5;
		MQTTResponse resp;

		opts.cleanstart = 1;
		resp = MQTTClient_connect5(c, &opts, NULL, NULL);
		if (resp.reasonCode != MQTTREASONCODE_SUCCESS)
			die("connect5", resp.reasonCode);
		MQTTResponse_free(resp);
	}
	else
	{
		MQTTClient_connectOptions opts = MQTTClient_connectOptions_initializer;

		opts.MQTTVersion = MQTTVERSION_3_1_1;
		opts.cleansession = 1;
		rc = MQTTClient_connect(c, &opts);
		if (rc != MQTTCLIENT_SUCCESS)
			die("connect", rc);
	}
	return c;
}

static void
add_string(MQTTProperties *props, enum MQTTPropertyCodes code, const char *s,
		   const char *value)
{
	MQTTProperty p;

	memset(&p, 0, sizeof(p));
	p.identifier = code;
	p.value.data.data = (char *) s;
	p.value.data.len = (int) strlen(s);
	if (value)
	{
		p.value.value.data = (char *) value;
		p.value.value.len = (int) strlen(value);
	}
	if (MQTTProperties_add(props, &p) != 0)
		die("MQTTProperties_add", -1);
}

static void
add_int(MQTTProperties *props, enum MQTTPropertyCodes code, unsigned int v)
{
	MQTTProperty p;

	memset(&p, 0, sizeof(p));
	p.identifier = code;
	if (code == MQTTPROPERTY_CODE_PAYLOAD_FORMAT_INDICATOR)
		p.value.byte = (unsigned char) v;
	else
		p.value.integer4 = v;
	if (MQTTProperties_add(props, &p) != 0)
		die("MQTTProperties_add", -1);
}

static void
publish(MQTTClient c, const char *topic, int qos)
{
	MQTTClient_message msg = MQTTClient_message_initializer;
	MQTTClient_deliveryToken token;
	char		payload[8];
	char		corr[16];
	int			rc;

	snprintf(payload, sizeof(payload), "qos%d", qos);
	msg.payload = payload;
	msg.payloadlen = (int) strlen(payload);
	msg.qos = qos;
	if (version == 5)
	{
		MQTTProperties props = MQTTProperties_initializer;
		char		reply[256];
		MQTTResponse resp;

		snprintf(reply, sizeof(reply), "%s/reply", topic);
		snprintf(corr, sizeof(corr), "corr-%d", qos);
		add_int(&props, MQTTPROPERTY_CODE_PAYLOAD_FORMAT_INDICATOR, 1);
		add_int(&props, MQTTPROPERTY_CODE_MESSAGE_EXPIRY_INTERVAL, 300);
		add_string(&props, MQTTPROPERTY_CODE_CONTENT_TYPE, "text/plain", NULL);
		add_string(&props, MQTTPROPERTY_CODE_RESPONSE_TOPIC, reply, NULL);
		add_string(&props, MQTTPROPERTY_CODE_CORRELATION_DATA, corr, NULL);
		add_string(&props, MQTTPROPERTY_CODE_USER_PROPERTY, "k", "v1");
		add_string(&props, MQTTPROPERTY_CODE_USER_PROPERTY, "k", "v2");
		msg.properties = props;
		resp = MQTTClient_publishMessage5(c, topic, &msg, &token);
		MQTTProperties_free(&props);
		if (resp.reasonCode >= MQTTREASONCODE_UNSPECIFIED_ERROR)
			die("publishMessage5", resp.reasonCode);
		MQTTResponse_free(resp);
	}
	else
	{
		rc = MQTTClient_publishMessage(c, topic, &msg, &token);
		if (rc != MQTTCLIENT_SUCCESS)
			die("publishMessage", rc);
	}
	if (qos > 0)
	{
		rc = MQTTClient_waitForCompletion(c, token, TIMEOUT_MS);
		if (rc != MQTTCLIENT_SUCCESS)
			die("waitForCompletion", rc);
	}
}

static void
print_properties(MQTTProperties *props)
{
	int			i;
	const char *sep = "";

	printf(" up=");
	for (i = 0; i < props->count; i++)
	{
		MQTTProperty *p = &props->array[i];

		if (p->identifier == MQTTPROPERTY_CODE_USER_PROPERTY)
		{
			printf("%s%.*s:%.*s", sep, p->value.data.len, p->value.data.data,
				   p->value.value.len, p->value.value.data);
			sep = ",";
		}
	}
	for (i = 0; i < props->count; i++)
	{
		MQTTProperty *p = &props->array[i];

		switch (p->identifier)
		{
			case MQTTPROPERTY_CODE_PAYLOAD_FORMAT_INDICATOR:
				printf(" pfi=%d", p->value.byte);
				break;
			case MQTTPROPERTY_CODE_MESSAGE_EXPIRY_INTERVAL:
				printf(" exp=%u", p->value.integer4);
				break;
			case MQTTPROPERTY_CODE_CONTENT_TYPE:
				printf(" ct=%.*s", p->value.data.len, p->value.data.data);
				break;
			case MQTTPROPERTY_CODE_RESPONSE_TOPIC:
				printf(" rt=%.*s", p->value.data.len, p->value.data.data);
				break;
			case MQTTPROPERTY_CODE_CORRELATION_DATA:
				printf(" cd=%.*s", p->value.data.len, p->value.data.data);
				break;
			default:
				break;
		}
	}
}

int
main(int argc, char **argv)
{
	char		uri[64];
	const char *topic;
	MQTTClient	sub;
	MQTTClient	pub;
	int			qos;
	int			rc;

	if (argc != 4)
	{
		fprintf(stderr, "usage: pubsub PORT TOPIC VERSION\n");
		return 1;
	}
	snprintf(uri, sizeof(uri), "tcp://127.0.0.1:%s", argv[1]);
	topic = argv[2];
	version = atoi(argv[3]);
	if (version != 3 && version != 5)
	{
		fprintf(stderr, "pubsub: VERSION must be 3 or 5\n");
		return 1;
	}

	sub = open_client(uri, "sub");
	pub = open_client(uri, "pub");
	if (version == 5)
	{
		MQTTSubscribe_options sopts = MQTTSubscribe_options_initializer;
		MQTTResponse resp = MQTTClient_subscribe5(sub, topic, 2, &sopts, NULL);

		if (resp.reasonCode != MQTTREASONCODE_GRANTED_QOS_2)
			die("subscribe5", resp.reasonCode);
		MQTTResponse_free(resp);
	}
	else if ((rc = MQTTClient_subscribe(sub, topic, 2)) != MQTTCLIENT_SUCCESS)
		die("subscribe", rc);

	for (qos = 0; qos <= 2; qos++)
		publish(pub, topic, qos);

	for (qos = 0; qos <= 2; qos++)
	{
		char	   *name = NULL;
		int			len = 0;
		MQTTClient_message *m = NULL;

		rc = MQTTClient_receive(sub, &name, &len, &m, TIMEOUT_MS);
		if (rc != MQTTCLIENT_SUCCESS && rc != MQTTCLIENT_TOPICNAME_TRUNCATED)
			die("receive", rc);
		if (m == NULL)
			die("receive (no message in time)", -1);
		printf("msg topic=%s qos=%d payload=%.*s", name, m->qos, m->payloadlen,
			   (char *) m->payload);
		if (version == 5)
			print_properties(&m->properties);
		printf("\n");
		MQTTClient_freeMessage(&m);
		MQTTClient_free(name);
	}

	MQTTClient_disconnect(pub, 1000);
	MQTTClient_disconnect(sub, 1000);
	MQTTClient_destroy(&pub);
	MQTTClient_destroy(&sub);
	return 0;
}
