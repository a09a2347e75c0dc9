from django.urls import path

from anju.workflow import views

app_name = "workflow"
urlpatterns = [
    path("queue/", views.queue, name="queue"),
    path("tasks/<int:pk>/pause/", views.task_pause, name="task_pause"),
    path("tasks/<int:pk>/resume/", views.task_resume, name="task_resume"),
    path("supervise/", views.supervise, name="supervise"),
    path("messages/", views.message_list, name="messages"),
    path("messages/read/", views.messages_read, name="messages_read"),
    path("sms/", views.sms_list, name="sms"),
    path("sms/<int:pk>/resend/", views.sms_resend, name="sms_resend"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/day/", views.calendar_day, name="calendar_day"),
    path("calendar/day/<int:pk>/delete/", views.calendar_day_remove, name="calendar_day_delete"),
    path("calendar/year/", views.calendar_year, name="calendar_year"),
]
